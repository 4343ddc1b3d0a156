//! Preparing a meeting from the pages, over real HTTP on SQLite: the secretariat convenes a
//! meeting with its notice and agenda, adds an agenda item, puts a motion (typed, and adopting
//! the charter's draft), proposes an amendment, holds an election and nominates candidates.
//! Each form is refused once with the reason in words, and a refusal stores nothing (the audit
//! log does not grow); the public sees no form and a delegate may not post one.

use federa_core::governance::{BodyKind, MeetingId};
use federa_store::governance::holder_key;

use crate::governance_pages::{Gov, outsider, set_up};
use crate::support::TestApp;

/// Posts `form` with the session's CSRF token; answers the status, the page and where a
/// redirect goes.
async fn post(
    app: &TestApp,
    c: &reqwest::Client,
    csrf: &str,
    path: &str,
    form: &[(&str, &str)],
) -> (u16, String, String) {
    let mut fields = vec![("csrf", csrf)];
    fields.extend_from_slice(form);
    let r = app.post_form(c, path, &fields).await;
    let to = r
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (r.status().as_u16(), r.text().await.unwrap(), to)
}

/// Posts a form that must be refused: the refusal page with `reason`, and nothing stored.
async fn refused(
    app: &TestApp,
    c: &reqwest::Client,
    csrf: &str,
    path: &str,
    form: &[(&str, &str)],
    status: u16,
    reason: &str,
) {
    let before = app.snapshot().await;
    let (st, html, _) = post(app, c, csrf, path, form).await;
    assert_eq!(st, status, "{path} {form:?}: {html}");
    assert!(
        html.contains(reason),
        "{path} {form:?} should say {reason:?}: {html}"
    );
    assert_eq!(app.snapshot().await, before, "a refusal stores nothing");
}

/// The council and its first term, as the election form names them (`body:term`).
async fn council_term(app: &TestApp) -> String {
    let b = app.store.bodies(app.home).await.unwrap().bodies;
    let council = b
        .bodies
        .iter()
        .find(|x| x.kind == BodyKind::Council)
        .unwrap()
        .id;
    let term = b.terms.iter().find(|t| t.body == council).unwrap().id;
    format!("{}:{}", council.0, term.0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_secretariat_convenes_a_meeting_from_the_organisation_page() {
    let app = TestApp::sqlite().await;
    let g: Gov = set_up(&app).await;
    let op = format!("/organisations/{}/governance", app.home);
    let path = format!("{op}/meetings");
    let term = format!("{}:{}", g.congress.0, g.congress_term.0);
    let (sec, csrf) = app.signed_in("sec").await;
    let (rep, rep_csrf) = app.signed_in("rep").await;

    // Only the secretariat sees the form, and only it may post it.
    assert!(app.page(&sec, &op).await.contains("id=\"convene\""));
    assert!(
        !app.page(&app.client(), &op)
            .await
            .contains("id=\"convene\"")
    );
    let form = [
        ("term", term.as_str()),
        ("title", "第二次会员代表大会"),
        ("notice_at", "2026-09-01T09:00"),
        ("starts_at", "2026-09-20T09:00"),
        ("place", "重庆市人民大礼堂"),
        ("notice", "请各会员单位派代表准时出席。"),
        ("agenda", "审议工作报告\n\n审议财务报告\n"),
    ];
    let before = app.snapshot().await;
    let (st, _, _) = post(&app, &rep, &rep_csrf, &path, &form).await;
    assert_eq!(st, 403, "a delegate does not convene");
    assert_eq!(app.snapshot().await, before);

    // The rules' notice of 15 days: four days are refused, with the numbers.
    let mut short = form;
    short[3] = ("starts_at", "2026-09-05T09:00");
    let reason = "会议通知只提前了 96 小时，短于章程要求的 15 天。";
    refused(&app, &sec, &csrf, &path, &short, 409, reason).await;
    let mut untitled = form;
    untitled[1] = ("title", "  ");
    refused(&app, &sec, &csrf, &path, &untitled, 422, "名称: 必填。").await;
    let mut unreadable = form;
    unreadable[3] = ("starts_at", "next week");
    let reason = "开会时间: 不是有效时间";
    refused(&app, &sec, &csrf, &path, &unreadable, 422, reason).await;

    // Convened: the meeting page shows the notice, the place and the agenda, blank lines
    // dropped.
    let (st, html, to) = post(&app, &sec, &csrf, &path, &form).await;
    assert_eq!(st, 303, "{html}");
    let id: u64 = to.rsplit('/').next().unwrap().parse().unwrap();
    let m = app.store.get_meeting(MeetingId(id)).await.unwrap().meeting;
    assert_eq!(m.title, "第二次会员代表大会");
    assert_eq!(m.roll.len(), 6, "the congress's roll");
    let agenda: Vec<_> = m.agenda.iter().map(|a| a.title.as_str()).collect();
    assert_eq!(agenda, ["审议工作报告", "审议财务报告"]);
    let html = app.page(&app.client(), &to).await;
    assert!(html.contains("重庆市人民大礼堂"), "{html}");
    assert!(html.contains("请各会员单位派代表准时出席。"));
    assert!(html.contains("2026-09-20 09:00 UTC"));
    assert!(html.contains("<li value=\"2\">审议财务报告</li>"), "{html}");
    let ics = app.page(&app.client(), &format!("{to}/meeting.ics")).await;
    let ics = ics.replace("\r\n ", "");
    assert!(ics.contains("LOCATION:重庆市人民大礼堂\r\n"), "{ics}");
    let html = app.page(&app.client(), &op).await;
    assert!(
        html.contains("第二次会员代表大会</a> <span class=\"muted\">2026-09-20 09:00 UTC"),
        "listed on the organisation's page: {html}"
    );
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_secretariat_prepares_the_agenda_motions_and_elections_from_the_pages() {
    let app = TestApp::sqlite().await;
    let g = set_up(&app).await;
    let mp = format!("/governance/meetings/{}", g.meeting);
    let (sec, csrf) = app.signed_in("sec").await;
    let (rep, rep_csrf) = app.signed_in("rep").await;
    let html = app.page(&sec, &mp).await;
    assert!(html.contains("id=\"add-item\"") && html.contains("id=\"add-election\""));
    assert!(!app.page(&rep, &mp).await.contains("id=\"add-item\""));

    // An agenda item: the third; an empty title is refused, and a delegate may not add one.
    let path = format!("{mp}/agenda");
    let (st, _, _) = post(&app, &rep, &rep_csrf, &path, &[("title", "其他事项")]).await;
    assert_eq!(st, 403);
    refused(
        &app,
        &sec,
        &csrf,
        &path,
        &[("title", "")],
        422,
        "名称: 必填。",
    )
    .await;
    let (st, _, to) = post(&app, &sec, &csrf, &path, &[("title", "选举第一届监事会")]).await;
    assert_eq!((st, to.as_str()), (303, mp.as_str()));
    let html = app.page(&app.client(), &mp).await;
    assert!(
        html.contains("<li value=\"3\">选举第一届监事会</li>"),
        "{html}"
    );

    // A motion with its text on item 3; on an item the agenda lacks it is refused.
    let path = format!("{mp}/motions");
    let motion = [
        ("item", "3"),
        ("title", "关于监事会选举办法的决议"),
        ("document", ""),
        (
            "text",
            "第一条 监事会设监事三名。\n第二条 监事不得兼任理事。",
        ),
    ];
    let mut missing = motion;
    missing[0] = ("item", "9");
    refused(&app, &sec, &csrf, &path, &missing, 409, "没有第 9 项议程。").await;
    let (st, html, to) = post(&app, &sec, &csrf, &path, &motion).await;
    assert_eq!(st, 303, "{html}");
    let html = app.page(&app.client(), &to).await;
    assert!(html.contains("<p>第二条 监事不得兼任理事。</p>"), "{html}");
    assert!(html.contains("已列入议程"));
    assert!(html.contains("3. 选举第一届监事会"), "{html}");
    // A motion adopting the charter's draft takes the draft's text.
    let draft = format!("{}:1", g.document);
    let adopting = [
        ("item", "1"),
        ("title", "关于章程的决议"),
        ("document", draft.as_str()),
        ("text", ""),
    ];
    let (st, _, charter) = post(&app, &sec, &csrf, &path, &adopting).await;
    assert_eq!(st, 303);
    let html = app.page(&app.client(), &charter).await;
    assert!(
        html.contains("第三条 本会接受业务主管单位的指导。"),
        "{html}"
    );
    assert!(html.contains(&format!("/governance/documents/{}", g.document)));

    // An amendment to the second paragraph, shown as a diff; a paragraph the motion lacks is
    // refused.
    let path = format!("{to}/amendments");
    assert!(app.page(&sec, &to).await.contains("id=\"amend\""));
    let reason = "data-code=\"no_such_paragraph\"";
    let tenth = [("paragraph", "10"), ("text", "第十条")];
    refused(&app, &sec, &csrf, &path, &tenth, 409, reason).await;
    // The refusal numbers the paragraph as the form does, from 1.
    refused(&app, &sec, &csrf, &path, &tenth, 409, "没有第 10 段").await;
    let amend = [
        ("paragraph", "2"),
        ("text", "第二条 监事不得兼任理事或秘书长。"),
    ];
    let (st, _, back) = post(&app, &sec, &csrf, &path, &amend).await;
    assert_eq!((st, back.as_str()), (303, to.as_str()));
    let html = app.page(&app.client(), &to).await;
    assert!(html.contains("<ins>或秘书长</ins>"), "{html}");

    // An election of the council's seats by Meek STV on item 3; a term of another body is
    // refused.
    let path = format!("{mp}/elections");
    let council = council_term(&app).await;
    let election = [
        ("item", "3"),
        ("term", council.as_str()),
        ("fills", "seats"),
        ("seats", "2"),
        ("method", "stv_meek"),
    ];
    let (_, term) = council.split_once(':').unwrap();
    let mismatched = format!("{}:{term}", g.congress.0);
    let mut wrong = election;
    wrong[1] = ("term", mismatched.as_str());
    refused(
        &app,
        &sec,
        &csrf,
        &path,
        &wrong,
        409,
        &format!("没有届次 {term}。"),
    )
    .await;
    let mut no_seats = election;
    no_seats[3] = ("seats", "0");
    refused(&app, &sec, &csrf, &path, &no_seats, 422, "名额: 超出范围。").await;
    let (st, html, ep) = post(&app, &sec, &csrf, &path, &election).await;
    assert_eq!(st, 303, "{html}");
    let html = app.page(&sec, &ep).await;
    assert!(html.contains("单记可转移投票（Meek 法）"), "{html}");
    assert!(html.contains("id=\"nominate\""));

    // Nominations: a member of the congress stands under their own name; a unit outside the
    // congress is refused with the rule it breaks.
    let path = format!("{ep}/candidates");
    let outsider = outsider(&app).await;
    let reason = "外地公司 不具备理事会的候选资格：不是会员代表大会成员。";
    let form = [("holder", outsider.as_str()), ("name", "")];
    refused(&app, &sec, &csrf, &path, &form, 409, reason).await;
    let first = holder_key(g.units[0]);
    let form = [("holder", first.as_str()), ("name", "")];
    let (st, _, back) = post(&app, &sec, &csrf, &path, &form).await;
    assert_eq!((st, back.as_str()), (303, ep.as_str()));
    let reason = "重庆日报网 已是候选人。";
    refused(&app, &sec, &csrf, &path, &form, 409, reason).await;
    let second = holder_key(g.units[1]);
    let form = [
        ("holder", second.as_str()),
        ("name", "华龙网（代表：张三）"),
    ];
    post(&app, &sec, &csrf, &path, &form).await;
    let html = app.page(&app.client(), &ep).await;
    assert!(
        html.contains("重庆日报网 <span") && html.contains("华龙网（代表：张三）"),
        "{html}"
    );
    // The choice offers only those not yet standing.
    let html = app.page(&sec, &ep).await;
    assert!(!html.contains(&format!("value=\"{first}\"")), "{html}");
    app.finish().await;
}
