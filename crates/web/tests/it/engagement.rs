//! Engagement over HTTP: activities, circulars with attachments and email copies (to an SMTP
//! sink this test starts), inboxes, statistics with SVG charts and CSV, the convention and
//! complaints; roles, refusals, both languages; and the statistics page in Chromium.

use std::sync::{Arc, Mutex};

use base64::Engine as _;
use federa_core::registry::circular::Audience;
use federa_store::{Actor, CircularInput, CircularRecord, MembershipInput, OrgInput, Role};
use federa_web::engagement::Mailer;
use reqwest::Method;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use crate::both_databases;
use crate::support::{TestApp, csrf_of};

both_databases!(
    engagement_through_the_api,
    engagement_pages_in_both_languages,
    refusals_change_nothing_and_roles_hold,
);

/// A circular from `home` to all its members, sent now through the store, with no deadline,
/// attachments or email copies.
async fn circular_to_all(app: &TestApp, title: &str, body: &str) -> CircularRecord {
    app.store
        .send_circular(
            Actor::System,
            app.home,
            &CircularInput {
                title: title.into(),
                body: body.into(),
                audience: Audience::All,
                statuses: vec![],
                acknowledge_by: None,
                attachments: vec![],
                email: false,
            },
            time::OffsetDateTime::now_utc(),
        )
        .await
        .unwrap()
}

/// Two member units of `home`: A (渝中区, 网络媒体), represented by `rep`, and B (江北区).
async fn units(app: &TestApp) -> (i64, i64) {
    let add = |name: &str, district: &str, sector: &str, cat: &str| MembershipInput {
        member_id: None,
        new_member: Some(OrgInput {
            name: name.into(),
            kind: "company".into(),
            district: Some(district.into()),
            sector: Some(sector.into()),
            ..OrgInput::default()
        }),
        category: cat.into(),
        joined: "2020-01-01".into(),
        status: None,
    };
    let a = app
        .store
        .add_membership(
            Actor::System,
            app.home,
            &add("华龙网", "渝中区", "网络媒体", "council_unit"),
        )
        .await
        .unwrap()
        .member
        .id;
    let b = app
        .store
        .add_membership(
            Actor::System,
            app.home,
            &add("猪八戒网", "江北区", "电子商务", "ordinary_unit"),
        )
        .await
        .unwrap()
        .member
        .id;
    let rep = app
        .store
        .find_user_by_username("rep")
        .await
        .unwrap()
        .unwrap();
    app.store
        .grant_role(Actor::System, rep.id, a, Role::Representative)
        .await
        .unwrap();
    (a, b)
}

async fn call(
    c: &reqwest::Client,
    method: Method,
    url: String,
    token: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut r = c
        .request(method, url)
        .header("authorization", format!("Bearer {token}"));
    if let Some(b) = body {
        r = r.json(&b);
    }
    let r = r.send().await.unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// The API's answer to `token` posting the circular `body` for `home`.
async fn post_circular(
    app: &TestApp,
    c: &reqwest::Client,
    token: &str,
    body: Value,
) -> (u16, Value) {
    call(
        c,
        Method::POST,
        app.url(&format!("/api/organisations/{}/circulars", app.home)),
        token,
        Some(body),
    )
    .await
}

/// The circular `token` posts for `home` through the API, which must take it.
async fn circular_posted(app: &TestApp, c: &reqwest::Client, token: &str, body: Value) -> Value {
    let (st, circ) = post_circular(app, c, token, body).await;
    assert_eq!(st, 201, "{circ}");
    circ
}

async fn engagement_through_the_api(app: &TestApp) {
    let (a, b) = units(app).await;
    let sec = app.token("sec").await;
    let rep = app.token("rep").await;
    let c = app.client();
    let home = app.home;
    use reqwest::Method as M;

    // Activities: create, invite, register, attendance, participation.
    let (st, act) = call(
        &c,
        M::POST,
        app.url(&format!("/api/organisations/{home}/activities")),
        &sec,
        Some(
            json!({"kind": "forum", "title": "网络生态治理论坛", "starts": "2020-03-01",
                    "place": "重庆", "capacity": 20}),
        ),
    )
    .await;
    assert_eq!(st, 201, "{act}");
    let aid = act["id"].as_i64().unwrap();
    let (st, v) = call(
        &c,
        M::POST,
        app.url(&format!("/api/activities/{aid}/invitations")),
        &sec,
        Some(json!({"units": [a, b]})),
    )
    .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["invitations"].as_array().unwrap().len(), 2);
    // Registration closed long ago (the activity started in 2020): refused with the field.
    let (st, v) = call(
        &c,
        M::POST,
        app.url(&format!("/api/activities/{aid}/registrations")),
        &rep,
        Some(json!({"unit": a, "people": 2})),
    )
    .await;
    assert_eq!(st, 422);
    assert_eq!(v["error"]["field"], "registration");
    let (st, _) = call(
        &c,
        M::POST,
        app.url(&format!("/api/activities/{aid}/registrations")),
        &rep,
        Some(json!({"unit": b, "people": 2})),
    )
    .await;
    assert_eq!(st, 403, "rep does not represent B");
    let (st, v) = call(
        &c,
        M::POST,
        app.url(&format!("/api/activities/{aid}/attendance")),
        &sec,
        Some(
            json!({"entries": [{"unit": a, "state": "attended", "people": 3},
                                {"unit": b, "state": "absent"}]}),
        ),
    )
    .await;
    assert_eq!(st, 200, "{v}");
    let (_, p) = call(
        &c,
        M::GET,
        app.url(&format!(
            "/api/organisations/{home}/participation?year=2020"
        )),
        &sec,
        None,
    )
    .await;
    let pa = p
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["unit"] == a)
        .unwrap();
    assert_eq!(
        (pa["attended"].as_i64(), pa["people"].as_i64()),
        (Some(1), Some(3))
    );

    // Circular with an attachment to everyone in force.
    let pdf = "通知附件 %PDF".as_bytes().to_vec();
    let (st, circ) = post_circular(
        app,
        &c,
        &sec,
        json!({
            "title": "关于开展网络安全宣传周活动的通知",
            "body": "各会员单位：请回执。",
            "acknowledge_by": "2099-03-08T17:00:00+08:00",
            "attachments": [{"file_name": "方案.pdf", "media_type": "application/pdf",
                             "content_base64": base64::engine::general_purpose::STANDARD.encode(&pdf)}]
        }),
    )
    .await;
    assert_eq!(st, 201, "{circ}");
    let cid = circ["id"].as_i64().unwrap();
    assert_eq!(circ["progress"]["recipients"], 2);
    assert_eq!(circ["recipients"][0]["email_state"], "none");
    let att = circ["attachments"][0]["id"].as_i64().unwrap();

    // The representative's inbox, download, read, acknowledge.
    let (st, inbox) = call(
        &c,
        M::GET,
        app.url(&format!("/api/units/{a}/inbox")),
        &rep,
        None,
    )
    .await;
    assert_eq!(st, 200);
    assert_eq!(inbox[0]["title"], "关于开展网络安全宣传周活动的通知");
    assert_eq!(inbox[0]["state"], "delivered");
    let (st, _) = call(
        &c,
        M::GET,
        app.url(&format!("/api/units/{b}/inbox")),
        &rep,
        None,
    )
    .await;
    assert_eq!(st, 403);
    let r = app
        .api(
            &c,
            Method::GET,
            &format!("/api/circulars/{cid}/attachments/{att}"),
            &format!("Bearer {rep}"),
            None,
        )
        .await;
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("filename*=UTF-8''%E6%96%B9%E6%A1%88.pdf")
    );
    assert_eq!(r.bytes().await.unwrap().to_vec(), pdf);
    let (st, _) = call(
        &c,
        M::POST,
        app.url(&format!("/api/circulars/{cid}/acknowledge")),
        &rep,
        Some(json!({"unit": a})),
    )
    .await;
    assert_eq!(st, 204);
    let (st, _) = call(
        &c,
        M::POST,
        app.url(&format!("/api/circulars/{cid}/acknowledge")),
        &rep,
        Some(json!({"unit": b})),
    )
    .await;
    assert_eq!(st, 403);
    let (_, circ) = call(
        &c,
        M::GET,
        app.url(&format!("/api/circulars/{cid}")),
        &sec,
        None,
    )
    .await;
    assert_eq!(circ["progress"]["acknowledged"], 1);
    assert_eq!(circ["progress"]["read"], 1);
    let (st, _) = call(
        &c,
        M::GET,
        app.url(&format!("/api/circulars/{cid}")),
        &rep,
        None,
    )
    .await;
    assert_eq!(st, 403, "progress is the secretariat's");
    let (st, v) = call(
        &c,
        M::POST,
        app.url(&format!("/api/circulars/{cid}/reminders")),
        &sec,
        None,
    )
    .await;
    assert_eq!(st, 422);
    assert_eq!(v["error"]["fields"][0]["code"], "not_yet_due");

    // Statistics and indicators.
    let (_, by) = call(
        &c,
        M::GET,
        app.url(&format!(
            "/api/organisations/{home}/statistics/members?by=district&on=2024-01-01"
        )),
        &sec,
        None,
    )
    .await;
    assert_eq!(by.as_array().unwrap().len(), 2);
    let (st, v) = call(
        &c,
        M::GET,
        app.url(&format!(
            "/api/organisations/{home}/statistics/members?by=colour"
        )),
        &sec,
        None,
    )
    .await;
    assert_eq!((st, v["error"]["field"].as_str()), (422, Some("by")));
    let (st, ind) = call(
        &c,
        M::POST,
        app.url(&format!("/api/organisations/{home}/indicators")),
        &sec,
        Some(
            json!({"name": "互联网普及率", "figure": "78.6", "unit": "%",
                    "as_of": "2024-12-31", "source": "CNNIC"}),
        ),
    )
    .await;
    assert_eq!(st, 201, "{ind}");
    assert_eq!(ind["figure"], "78.6");

    // Convention and complaint.
    let (st, conv) = call(
        &c,
        M::POST,
        app.url(&format!("/api/organisations/{home}/conventions")),
        &sec,
        Some(json!({"title": "自律公约", "body": "第一条", "adopted_on": "2024-01-01"})),
    )
    .await;
    assert_eq!(st, 201);
    let conv_id = conv["id"].as_i64().unwrap();
    let (st, signed) = call(
        &c,
        M::POST,
        app.url(&format!("/api/conventions/{conv_id}/signatures")),
        &rep,
        Some(json!({"unit": a})),
    )
    .await;
    assert_eq!(st, 201, "{signed}");
    assert_eq!(signed["signatures"][0]["unit_name"], "华龙网");
    let (st, v) = call(
        &c,
        M::POST,
        app.url(&format!("/api/conventions/{conv_id}/signatures")),
        &rep,
        Some(json!({"unit": b})),
    )
    .await;
    assert_eq!((st, v["error"]["field"].as_str()), (422, Some("signed_by")));
    let (st, comp) = call(
        &c,
        M::POST,
        app.url(&format!("/api/organisations/{home}/complaints")),
        &rep,
        Some(json!({"against": b, "summary": "虚假宣传"})),
    )
    .await;
    assert_eq!(st, 201, "{comp}");
    let comp_id = comp["id"].as_i64().unwrap();
    assert_eq!(comp["handled_by"], "board_of_supervisors");
    let (st, _) = call(
        &c,
        M::POST,
        app.url(&format!("/api/complaints/{comp_id}/steps")),
        &rep,
        Some(json!({"to": "under_review"})),
    )
    .await;
    assert_eq!(st, 403, "the complainant does not handle it");
    for step in [
        json!({"to": "under_review", "note": "受理"}),
        json!({"to": "resolved", "outcome": {"text": "约谈整改",
               "decision": {"by": "secretariat", "reference": "〔2025〕3号"}}}),
    ] {
        let (st, v) = call(
            &c,
            M::POST,
            app.url(&format!("/api/complaints/{comp_id}/steps")),
            &sec,
            Some(step),
        )
        .await;
        assert_eq!(st, 200, "{v}");
    }
    let (_, comp) = call(
        &c,
        M::GET,
        app.url(&format!("/api/complaints/{comp_id}")),
        &rep,
        None,
    )
    .await;
    assert_eq!(comp["state"], "resolved");
    assert_eq!(comp["outcome"]["text"], "约谈整改");

    // The organisation names another handling body for complaints filed from now on.
    let (st, v) = call(
        &c,
        M::PUT,
        app.url(&format!("/api/organisations/{home}/complaint-body")),
        &sec,
        Some(json!({"body": "自律委员会"})),
    )
    .await;
    assert_eq!((st, v["body"].as_str()), (200, Some("自律委员会")));
    let (st, _) = call(
        &c,
        M::PUT,
        app.url(&format!("/api/organisations/{home}/complaint-body")),
        &rep,
        Some(json!({"body": "x"})),
    )
    .await;
    assert_eq!(st, 403);
    let (_, later) = call(
        &c,
        M::POST,
        app.url(&format!("/api/organisations/{home}/complaints")),
        &rep,
        Some(json!({"against": b, "summary": "再次投诉"})),
    )
    .await;
    assert_eq!(later["handled_by"], "自律委员会");

    // The OpenAPI document lists the engagement paths.
    let doc: Value = app.get(&c, "/api/openapi.json").await.json().await.unwrap();
    for p in [
        "/api/organisations/{id}/circulars",
        "/api/circulars/{cid}/reminders",
        "/api/units/{uid}/inbox",
        "/api/organisations/{id}/statistics/members",
        "/api/conventions/{cid}/signatures",
        "/api/complaints/{cid}/steps",
    ] {
        assert!(doc["paths"][p].is_object(), "{p} missing from OpenAPI");
    }
    assert!(doc["components"]["schemas"]["CircularRecord"].is_object());
}

async fn engagement_pages_in_both_languages(app: &TestApp) {
    let (a, _b) = units(app).await;
    let home = app.home;
    let (sec, csrf) = app.signed_in("sec").await;

    // Compose a circular with an attachment through the multipart form.
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf.clone())
        .text("title", "关于报送年度报告的通知")
        .text("body", "请于月底前报送。")
        .text("districts", "渝中区")
        .text("acknowledge_by", "2099-12-31T17:00")
        .part(
            "attachment",
            crate::support::text_attachment("年度报告模板".as_bytes().to_vec(), "模板.txt"),
        );
    let r = app
        .post_multipart(&sec, &format!("/organisations/{home}/circulars"), form)
        .await;
    assert_eq!(r.status(), 303);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    let cid: i64 = to.rsplit('/').next().unwrap().parse().unwrap();
    let page = app.page(&sec, &to).await;
    assert!(page.contains("关于报送年度报告的通知"));
    assert!(page.contains("华龙网"));
    assert!(!page.contains("猪八戒网"), "B is in another district");
    assert!(page.contains("模板.txt"));

    // Without the token the multipart form is refused.
    let form = reqwest::multipart::Form::new()
        .text("title", "x")
        .text("body", "y");
    let r = app
        .post_multipart(&sec, &format!("/organisations/{home}/circulars"), form)
        .await;
    assert_eq!(r.status(), 403);

    // A refused form keeps the values and names the field.
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf.clone())
        .text("title", "发给南岸区")
        .text("body", "正文")
        .text("districts", "南岸区");
    let r = sec
        .post(app.url(&format!("/organisations/{home}/circulars")))
        .header("accept-language", "en")
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("No member unit matches this audience."));
    assert!(page.contains("发给南岸区"));

    // The representative reads it in the inbox (opening marks it read) and acknowledges.
    let (rep, rep_csrf) = app.signed_in("rep").await;
    let inbox = app.page(&rep, &format!("/units/{a}/inbox")).await;
    assert!(inbox.contains("关于报送年度报告的通知"));
    assert!(inbox.contains("已送达"));
    let item = app.page(&rep, &format!("/units/{a}/inbox/{cid}")).await;
    assert!(item.contains("请于月底前报送。"));
    let r = app
        .post_form(
            &rep,
            &format!("/units/{a}/inbox/{cid}/acknowledge"),
            &[("csrf", rep_csrf.as_str())],
        )
        .await;
    assert_eq!(r.status(), 303);
    let item = app
        .page_in(&rep, &format!("/units/{a}/inbox/{cid}"), "en")
        .await;
    assert!(item.contains("id=\"acknowledged\""));
    assert!(item.contains("Acknowledged on"));
    let r = app.get(&rep, &format!("/circulars/{cid}")).await;
    assert_eq!(r.status(), 403, "progress pages are the secretariat's");
    let progress = app.page(&sec, &format!("/circulars/{cid}")).await;
    assert!(progress.contains("id=\"n-ack\">1<"));

    // Statistics: the page in both languages, its charts and CSV downloads.
    for (lang, title) in [
        ("zh-CN", "按区县统计会员单位"),
        ("en", "Member units by district"),
    ] {
        let page = app
            .page_in(
                &sec,
                &format!("/organisations/{home}/statistics?on=2024-01-01"),
                lang,
            )
            .await;
        assert!(page.contains(title), "{lang}");
        assert!(page.contains("members_by_district.svg?on=2024-01-01"));
    }
    let svg = app
        .get(
            &sec,
            &format!("/organisations/{home}/statistics/members_by_district.svg?on=2024-01-01"),
        )
        .await;
    assert_eq!(
        svg.headers()["content-type"],
        "image/svg+xml; charset=utf-8"
    );
    let svg = svg.text().await.unwrap();
    assert!(svg.contains("<svg") && svg.contains("渝中区") && svg.contains("江北区"));
    let csv = app
        .get(
            &sec,
            &format!("/organisations/{home}/statistics/members_by_district.csv?on=2024-01-01"),
        )
        .await
        .bytes()
        .await
        .unwrap();
    let csv = String::from_utf8(csv.to_vec()).unwrap();
    assert!(csv.starts_with('\u{feff}'));
    assert!(csv.contains("渝中区,1"));
    assert!(csv.contains("江北区,1"));
    let r = app
        .get(
            &sec,
            &format!("/organisations/{home}/statistics/nothing.csv"),
        )
        .await;
    assert_eq!(r.status(), 404);

    // Indicator through the form; a bad figure is named.
    let r = app
        .post_form(
            &sec,
            &format!("/organisations/{home}/statistics"),
            &[
                ("csrf", csrf.as_str()),
                ("name", "全国网民规模"),
                ("figure", "11.08"),
                ("unit", "亿人"),
                ("as_of", "2024-12-31"),
                ("source", "CNNIC"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let r = app
        .post_form(
            &sec,
            &format!("/organisations/{home}/statistics"),
            &[
                ("csrf", csrf.as_str()),
                ("name", "普及率"),
                ("figure", "七十八"),
                ("unit", "%"),
                ("as_of", "2024-12-31"),
                ("source", "CNNIC"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("不是数字。"));
    let csv = app
        .page(
            &sec,
            &format!("/organisations/{home}/statistics/indicators.csv"),
        )
        .await;
    assert!(csv.contains("全国网民规模,11.08,亿人,2024-12-31,CNNIC"));

    // Activities, convention and complaints through their forms.
    let r = app
        .post_form(
            &sec,
            &format!("/organisations/{home}/activities"),
            &[
                ("csrf", csrf.as_str()),
                ("title", "数据安全培训"),
                ("kind", "training"),
                ("starts", "2099-05-01"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let act = r.headers()["location"].to_str().unwrap().to_string();
    let r = app
        .post_form(
            &sec,
            &format!("{act}/invite"),
            &[("csrf", csrf.as_str()), ("unit", &a.to_string())],
        )
        .await;
    assert_eq!(r.status(), 303);
    let r = app
        .post_form(
            &rep,
            &format!("{act}/register"),
            &[
                ("csrf", rep_csrf.as_str()),
                ("unit", &a.to_string()),
                ("people", "2"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let page = app.page(&sec, &act).await;
    assert!(page.contains("华龙网") && page.contains("2099-") && page.contains("数据安全培训"));

    let r = app
        .post_form(
            &sec,
            &format!("/organisations/{home}/convention"),
            &[
                ("csrf", csrf.as_str()),
                ("title", "网络媒体行业自律公约"),
                ("body", "第一条 遵守法律。"),
                ("adopted_on", "2024-01-01"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let page = app
        .page(&rep, &format!("/organisations/{home}/convention"))
        .await;
    assert!(page.contains("签署公约"));
    let conv_id = app.store.list_conventions(home).await.unwrap()[0].id;
    let r = app
        .post_form(
            &rep,
            &format!("/conventions/{conv_id}/sign"),
            &[("csrf", rep_csrf.as_str()), ("unit", &a.to_string())],
        )
        .await;
    assert_eq!(r.status(), 303);
    let page = app
        .page_in(&rep, &format!("/organisations/{home}/convention"), "en")
        .await;
    assert!(page.contains("Signed by 1 member units"));

    let r = app
        .post_form(
            &rep,
            &format!("/organisations/{home}/complaints"),
            &[
                ("csrf", rep_csrf.as_str()),
                ("against", &a.to_string()),
                ("summary", "侵权转载"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let comp = r.headers()["location"].to_str().unwrap().to_string();
    let r = app
        .post_form(
            &sec,
            &comp,
            &[("csrf", csrf.as_str()), ("to", "rejected"), ("outcome", "")],
        )
        .await;
    assert_eq!(r.status(), 422, "rejecting needs an outcome");
    let r = app
        .post_form(
            &sec,
            &comp,
            &[
                ("csrf", csrf.as_str()),
                ("to", "under_review"),
                ("note", "已受理"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let page = app.page(&rep, &comp).await;
    assert!(page.contains("受理审查中") && page.contains("已受理") && page.contains("监事会"));

    // Every engagement page answers in both languages.
    for path in [
        "/engagement".to_string(),
        format!("/organisations/{home}/activities"),
        format!("/organisations/{home}/circulars"),
        format!("/organisations/{home}/complaints"),
        format!("/organisations/{home}/convention"),
    ] {
        for lang in ["zh-CN", "en"] {
            let r = app.get_in(&sec, &path, lang).await;
            assert_eq!(r.status(), 200, "{path} {lang}");
            let body = r.text().await.unwrap();
            assert!(
                !body.contains(">?<"),
                "{path} {lang} has a missing translation"
            );
        }
    }
    let page = app.page(&rep, "/engagement").await;
    assert!(page.contains(&format!("/units/{a}/inbox")));
    let _ = csrf_of(&page);
}

async fn refusals_change_nothing_and_roles_hold(app: &TestApp) {
    let (a, _) = units(app).await;
    let sec = app.token("sec").await;
    let rep = app.token("rep").await;
    let c = app.client();
    let home = app.home;
    let other = app.other;
    use reqwest::Method as M;
    let before = app.snapshot().await;
    let too_big = vec![0u8; federa_store::MAX_ATTACHMENT_BYTES + 1];
    let big = base64::engine::general_purpose::STANDARD.encode(too_big);
    let cases: Vec<(&str, String, Value, u16, &str)> = vec![
        (
            "sec",
            format!("/api/organisations/{home}/activities"),
            json!({"kind": "party", "title": "x", "starts": "2025-01-01"}),
            422,
            "kind",
        ),
        (
            "sec",
            format!("/api/organisations/{home}/activities"),
            json!({"kind": "forum", "title": "x", "starts": "2025-02-30"}),
            422,
            "starts",
        ),
        (
            "sec",
            format!("/api/organisations/{home}/circulars"),
            json!({"title": "x", "body": "y", "attachments": [{"file_name": "a.bin", "content_base64": big}]}),
            422,
            "attachments",
        ),
        (
            "sec",
            format!("/api/organisations/{home}/circulars"),
            json!({"title": "x", "body": "y", "statuses": ["dormant"]}),
            422,
            "statuses",
        ),
        (
            "sec",
            format!("/api/organisations/{home}/circulars"),
            json!({"title": "x", "body": "y", "acknowledge_by": "tomorrow"}),
            422,
            "acknowledge_by",
        ),
        (
            "sec",
            format!("/api/organisations/{home}/circulars"),
            json!({"title": "x", "body": "y", "colour": "red"}),
            422,
            "colour",
        ),
        (
            "sec",
            format!("/api/organisations/{other}/circulars"),
            json!({"title": "x", "body": "y"}),
            403,
            "",
        ),
        (
            "rep",
            format!("/api/organisations/{home}/circulars"),
            json!({"title": "x", "body": "y"}),
            403,
            "",
        ),
        (
            "rep",
            format!("/api/organisations/{home}/indicators"),
            json!({"name": "x", "figure": "1", "unit": "%", "as_of": "2024-01-01", "source": "s"}),
            403,
            "",
        ),
        (
            "sec",
            format!("/api/organisations/{home}/indicators"),
            json!({"name": "x", "figure": "1", "unit": "%", "as_of": "2999-01-01", "source": "s"}),
            422,
            "as_of",
        ),
        (
            "rep",
            format!("/api/organisations/{home}/complaints"),
            json!({"against": a, "summary": "  "}),
            422,
            "summary",
        ),
    ];
    for (who, path, body, status, field) in cases {
        let token = if who == "sec" { &sec } else { &rep };
        let (st, v) = call(&c, M::POST, app.url(&path), token, Some(body)).await;
        assert_eq!(st, status, "{who} {path}: {v}");
        if !field.is_empty() {
            assert_eq!(v["error"]["field"], field, "{path}");
        }
    }
    let (st, v) = call(
        &c,
        M::PUT,
        app.url(&format!("/api/units/{a}/contact")),
        &sec,
        Some(json!({"email": "no-at-sign"})),
    )
    .await;
    assert_eq!((st, v["error"]["field"].as_str()), (422, Some("email")));
    assert_eq!(app.snapshot().await, before);
    assert!(app.store.list_circulars(home).await.unwrap().is_empty());
    assert!(
        app.store
            .list_activities(home, None)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(app.store.verify_audit_chain().await.unwrap().is_intact());
    // Anonymous callers read public statistics but not inboxes.
    let r = app.get(&c, &format!("/api/units/{a}/inbox")).await;
    assert_eq!(r.status(), 401);
    let r = app
        .get(
            &c,
            &format!("/api/organisations/{home}/statistics/members?by=sector"),
        )
        .await;
    assert_eq!(r.status(), 200);
}

/// A minimal SMTP server that accepts every message and keeps (recipients, data); it refuses
/// the next recipients when told to (`refuse_next`).
#[derive(Clone, Default)]
struct SmtpSink {
    messages: Arc<Mutex<Vec<(Vec<String>, String)>>>,
    refuse: Arc<Mutex<usize>>,
}

impl SmtpSink {
    async fn start() -> (SmtpSink, u16) {
        let sink = SmtpSink::default();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let s = sink.clone();
        tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                let s = s.clone();
                tokio::spawn(async move { s.session(sock).await });
            }
        });
        (sink, port)
    }

    async fn session(&self, sock: tokio::net::TcpStream) {
        let (r, mut w) = sock.into_split();
        let mut r = BufReader::new(r);
        let _ = w.write_all(b"220 sink ready\r\n").await;
        let mut rcpts = Vec::new();
        let mut line = String::new();
        loop {
            line.clear();
            if r.read_line(&mut line).await.unwrap_or(0) == 0 {
                return;
            }
            let cmd = line.trim_end().to_ascii_uppercase();
            let reply: &[u8] = if cmd.starts_with("EHLO") || cmd.starts_with("HELO") {
                b"250-sink\r\n250 8BITMIME\r\n"
            } else if cmd.starts_with("RCPT TO:") {
                let addr = line.trim_end()[8..]
                    .trim()
                    .trim_matches(['<', '>'])
                    .to_string();
                let mut refuse = self.refuse.lock().unwrap();
                if *refuse > 0 {
                    *refuse -= 1;
                    b"550 5.1.1 mailbox unavailable\r\n"
                } else {
                    rcpts.push(addr);
                    b"250 OK\r\n"
                }
            } else if cmd.starts_with("DATA") {
                let _ = w.write_all(b"354 go on\r\n").await;
                let mut data = String::new();
                loop {
                    line.clear();
                    if r.read_line(&mut line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    if line == ".\r\n" {
                        break;
                    }
                    data.push_str(&line);
                }
                self.messages
                    .lock()
                    .unwrap()
                    .push((std::mem::take(&mut rcpts), data));
                b"250 queued\r\n"
            } else if cmd.starts_with("QUIT") {
                let _ = w.write_all(b"221 bye\r\n").await;
                return;
            } else {
                b"250 OK\r\n"
            };
            if w.write_all(reply).await.is_err() {
                return;
            }
        }
    }

    fn taken(&self) -> Vec<(Vec<String>, String)> {
        self.messages.lock().unwrap().clone()
    }

    /// Refuses the next `n` recipients with a permanent error.
    fn refuse_next(&self, n: usize) {
        *self.refuse.lock().unwrap() = n;
    }
}

/// A server on SQLite with the given mailer, the users of the other tests, two units with
/// contact addresses; returns the store, base URL, home and units.
/// A server that mails through the SMTP server on `port`, from `from`, and two units with
/// their e-mail addresses.
async fn mail_app(port: u16, from: &str) -> (TestApp, i64, i64) {
    let mailer = Mailer::new(&format!("smtp://127.0.0.1:{port}"), from).unwrap();
    let t = TestApp::sqlite_with(|state| state.with_mailer(mailer)).await;
    let (a, b) = units(&t).await;
    for (u, e) in [(a, "office@hualong.example"), (b, "info@zbj.example")] {
        t.store
            .set_unit_contact(
                Actor::System,
                u,
                &federa_store::UnitContact {
                    email: e.into(),
                    name: None,
                },
            )
            .await
            .unwrap();
    }
    (t, a, b)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn circulars_and_reminders_are_emailed() {
    let (sink, port) = SmtpSink::start().await;
    let (app, a, b) = mail_app(port, "秘书处 <secretariat@federa.example>").await;
    let sec = app.token("sec").await;
    let c = app.client();
    let circ = circular_posted(
        &app,
        &c,
        &sec,
        json!({"title": "关于年检的通知", "body": "请按时参加年检。"}),
    )
    .await;
    let msgs = sink.taken();
    assert_eq!(msgs.len(), 2);
    let mut to: Vec<String> = msgs.iter().flat_map(|(r, _)| r.clone()).collect();
    to.sort();
    assert_eq!(to, vec!["info@zbj.example", "office@hualong.example"]);
    let data = &msgs
        .iter()
        .find(|(r, _)| r[0] == "office@hualong.example")
        .unwrap()
        .1;
    assert!(data.contains("To: office@hualong.example"));
    assert!(data.contains("From: "));
    assert!(data.contains("secretariat@federa.example"));
    assert!(data.contains("Subject: "));
    for r in circ["recipients"].as_array().unwrap() {
        assert_eq!(r["email_state"], "sent", "{r}");
    }

    // Reminders after the deadline: sent through the store with a past sending time.
    let past = time::OffsetDateTime::now_utc() - time::Duration::days(10);
    let old = app
        .store
        .send_circular(
            Actor::System,
            app.home,
            &CircularInput {
                title: "旧通知".into(),
                body: "请回执".into(),
                audience: Audience::All,
                statuses: vec![],
                acknowledge_by: Some(past + time::Duration::days(3)),
                attachments: vec![],
                email: false,
            },
            past,
        )
        .await
        .unwrap();
    app.store
        .acknowledge_circular(Actor::System, old.id, a, past + time::Duration::days(1))
        .await
        .unwrap();
    let (st, rem) = call(
        &c,
        Method::POST,
        app.url(&format!("/api/circulars/{}/reminders", old.id)),
        &sec,
        None,
    )
    .await;
    assert_eq!(st, 200, "{rem}");
    let rem = rem.as_array().unwrap();
    assert_eq!(rem.len(), 1);
    assert_eq!(rem[0]["unit"], b);
    assert_eq!(rem[0]["email_state"], "sent");
    let msgs = sink.taken();
    assert_eq!(msgs.len(), 3);
    assert_eq!(msgs[2].0, vec!["info@zbj.example"]);
    assert_eq!(app.store.list_reminders(old.id).await.unwrap().len(), 1);
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_mail_server_loses_no_circular() {
    // A port nothing listens on.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let (app, a, _) = mail_app(port, "secretariat@federa.example").await;
    let sec = app.token("sec").await;
    let c = app.client();
    let circ = circular_posted(
        &app,
        &c,
        &sec,
        json!({"title": "关于年检的通知", "body": "正文"}),
    )
    .await;
    for r in circ["recipients"].as_array().unwrap() {
        assert_eq!(r["email_state"], "failed", "{r}");
        assert!(r["email_error"].as_str().unwrap().len() > 3);
        assert_eq!(r["state"], "delivered");
    }
    let inbox = app.store.inbox(a).await.unwrap();
    assert_eq!(inbox.len(), 1, "the inbox has it all the same");
    // The progress page says so.
    let (s, _) = app.signed_in("sec").await;
    let page = app.page(&s, &format!("/circulars/{}", circ["id"])).await;
    assert!(page.contains("发送失败"));
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_emails_are_sent_again_and_only_those() {
    let (sink, port) = SmtpSink::start().await;
    let (app, _, _) = mail_app(port, "secretariat@federa.example").await;
    let sec = app.token("sec").await;
    let c = app.client();
    // The server refuses the first copy.
    sink.refuse_next(1);
    let circ = circular_posted(
        &app,
        &c,
        &sec,
        json!({"title": "关于年检的通知", "body": "正文"}),
    )
    .await;
    let cid = circ["id"].as_i64().unwrap();
    let recipients = circ["recipients"].as_array().unwrap();
    let failed: Vec<&Value> = recipients
        .iter()
        .filter(|r| r["email_state"] == "failed")
        .collect();
    assert_eq!(failed.len(), 1, "{circ}");
    assert!(
        failed[0]["email_error"].as_str().unwrap().contains("550"),
        "{circ}"
    );
    let failed_to = failed[0]["email_to"].as_str().unwrap().to_string();
    assert_eq!(sink.taken().len(), 1);

    // The progress page offers to send the failed one again; doing so sends only that one.
    let (s, csrf) = app.signed_in("sec").await;
    let page = app.page(&s, &format!("/circulars/{cid}")).await;
    assert!(page.contains("resend-form"), "{page}");
    let r = app
        .post_form(
            &s,
            &format!("/circulars/{cid}/resend"),
            &[("csrf", csrf.as_str())],
        )
        .await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("已重发 1 封"));
    let msgs = sink.taken();
    assert_eq!(msgs.len(), 2);
    assert_eq!(msgs[1].0, vec![failed_to]);
    let rec = app.store.get_circular(cid).await.unwrap();
    for r in &rec.recipients {
        assert_eq!(r.email_state, federa_store::EmailState::Sent, "{r:?}");
        assert_eq!(r.email_error, None);
    }
    let page = app.page(&s, &format!("/circulars/{cid}")).await;
    assert!(!page.contains("resend-form"));
    // Nothing failed any more: the API sends nothing.
    let (st, v) = call(
        &c,
        Method::POST,
        app.url(&format!("/api/circulars/{cid}/emails/resend")),
        &sec,
        None,
    )
    .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(sink.taken().len(), 2);
    app.finish().await;

    // Without a mail server there is nothing to send with.
    let plain = TestApp::sqlite().await;
    units(&plain).await;
    let circ = circular_to_all(&plain, "t", "b").await;
    let sec = plain.token("sec").await;
    let (st, v) = call(
        &plain.client(),
        Method::POST,
        plain.url(&format!("/api/circulars/{}/emails/resend", circ.id)),
        &sec,
        None,
    )
    .await;
    assert_eq!(
        (st, v["error"]["code"].as_str()),
        (422, Some("mail_not_configured"))
    );
    plain.finish().await;
}

/// Headless Chromium: the representative acknowledges a circular in the inbox, the
/// secretariat sees it on the progress page and opens the statistics page, whose SVG charts
/// load with their Chinese labels, on a desktop and on a phone without sideways scrolling.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_acknowledges_a_circular_and_shows_statistics() {
    use fantoccini::Locator;

    let app = TestApp::sqlite().await;
    let (a, _) = units(&app).await;
    let circ = circular_to_all(
        &app,
        "关于开展网络安全宣传周活动的通知",
        "请各会员单位确认回执。",
    )
    .await;

    let (b, _driver) = crate::support::chromium(1280, 900).await;
    let sign_in = |user: &'static str| {
        crate::support::browser_sign_in(&b, &app, "/signin", user, "table.list")
    };
    let out = crate::support::test_output_dir();

    // Chinese through the visible switch; the representative opens the inbox and acknowledges.
    b.goto(&app.url("/lang/zh-CN?back=/signin")).await.unwrap();
    sign_in("rep").await;
    b.goto(&app.url(&format!("/units/{a}/inbox")))
        .await
        .unwrap();
    b.find(Locator::LinkText("关于开展网络安全宣传周活动的通知"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait()
        .for_element(Locator::Css("form button.primary"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let done = b
        .wait()
        .for_element(Locator::Id("acknowledged"))
        .await
        .unwrap();
    assert!(done.text().await.unwrap().contains("已回执于"));
    crate::support::click(&b, "form[action='/signout'] button").await;

    // The secretariat sees it acknowledged.
    sign_in("sec").await;
    b.goto(&app.url(&format!("/circulars/{}", circ.id)))
        .await
        .unwrap();
    let n = b.wait().for_element(Locator::Id("n-ack")).await.unwrap();
    assert_eq!(n.text().await.unwrap(), "1");

    // Statistics: every chart loads; on a phone nothing scrolls sideways.
    for (w, h, shot) in [
        (1280u32, 900u32, "engagement-statistics.png"),
        (390, 844, "engagement-statistics-phone.png"),
    ] {
        b.set_window_size(w, h).await.unwrap();
        b.goto(&app.url(&format!("/organisations/{}/statistics", app.home)))
            .await
            .unwrap();
        b.wait()
            .for_element(Locator::Css("img.chart"))
            .await
            .unwrap();
        let mut loaded = Value::Null;
        for _ in 0..200 {
            loaded = b
                .execute(
                    "return Array.from(document.querySelectorAll('img.chart'))\
                     .map(i => i.complete && i.naturalWidth > 0);",
                    vec![],
                )
                .await
                .unwrap();
            if loaded
                .as_array()
                .is_some_and(|v| v.iter().all(|x| x == true))
            {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let loaded = loaded.as_array().unwrap().clone();
        assert_eq!(loaded.len(), 4, "four member charts (no participation yet)");
        assert!(loaded.iter().all(|x| x == true), "every chart image loads");
        let table = b.find(Locator::Id("table-district")).await.unwrap();
        let text = table.text().await.unwrap();
        assert!(text.contains("渝中区") && text.contains("江北区"), "{text}");
        let overflow = b
            .execute(
                "return document.documentElement.scrollWidth - window.innerWidth;",
                vec![],
            )
            .await
            .unwrap();
        assert!(
            overflow.as_i64().unwrap() <= 0,
            "sideways scroll at {w}px: {overflow}"
        );
        let png = b.screenshot().await.unwrap();
        assert!(png.starts_with(b"\x89PNG"));
        std::fs::write(out.join(shot), png).unwrap();
    }
    b.close().await.unwrap();
    app.finish().await;
}
