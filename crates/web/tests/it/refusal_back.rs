//! A refused form's error page, and the governance pages' own refusal page, lead back to the
//! form: in a browser, through the history, so what was typed is still there; without script,
//! to the page the form was on, and never to another site.

use fantoccini::Locator;
use federa_store::{Actor, Role};

use crate::both_databases;
use crate::governance_pages::{outsider, set_up};
use crate::support::{
    TestApp, browser_sign_in_chinese, chromium, chromium_signed_in, click, type_into,
};

both_databases!(a_refused_form_links_back_to_its_page);

async fn a_refused_form_links_back_to_its_page(app: &TestApp) {
    // The representative may not add member units: the form is refused.
    let (c, csrf) = app.signed_in("rep").await;
    let form = format!("/organisations/{}/members/new", app.home);
    let fields = [
        ("csrf", csrf.as_str()),
        ("name", "重庆山城云科技有限公司"),
        ("kind", "company"),
        ("category", "理事单位"),
    ];
    let refused = |referer: Option<String>| {
        let mut r = c.post(app.url(&form)).form(&fields);
        if let Some(referer) = referer {
            r = r.header("referer", referer);
        }
        async move {
            let r = r.send().await.unwrap();
            assert_eq!(r.status(), 403);
            r.text().await.unwrap()
        }
    };
    let back = |href: &str| format!("<a id=\"back-to-form\" class=\"button\" href=\"{href}\">");

    // From a page of this site: back to that page, query and all, then the list.
    let page = refused(Some(app.url(&format!("{form}?from=list")))).await;
    assert!(page.contains(&back(&format!("{form}?from=list"))), "{page}");
    assert!(page.contains("<script src=\"/static/back.js\" defer></script>"));
    let to_form = page.find("id=\"back-to-form\"").unwrap();
    let to_list = page.rfind("<a href=\"/organisations\">").unwrap();
    assert!(to_form < to_list, "the way back to the form comes first");

    // Another site's page, or a path a browser would read as another site, is not used.
    for referer in [
        format!("http://evil.example{form}"),
        format!("https://evil.example:{}{form}", app.addr.port()),
        app.url("//evil.example/organisations"),
        format!("http://evil.example@{}{form}", app.addr),
    ] {
        let page = refused(Some(referer.clone())).await;
        assert!(page.contains(&back("/organisations")), "{referer}: {page}");
        assert!(!page.contains("evil.example"), "{referer}");
    }
    // Without a Referer, the link leads to the list.
    let page = refused(None).await;
    assert!(page.contains(&back("/organisations")), "{page}");

    // In English too.
    let r = c
        .post(app.url(&form))
        .header("accept-language", "en")
        .header("referer", app.url(&form))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert!(r.text().await.unwrap().contains("Back to the form</a>"));

    // A page that could not be shown keeps its one link, to the list.
    let r = app.get(&c, "/organisations/999999").await;
    assert_eq!(r.status(), 404);
    let page = r.text().await.unwrap();
    assert!(!page.contains("back-to-form") && !page.contains("back.js"));
    assert!(page.contains("<a href=\"/organisations\">"));

    // The script is served from this site, as the Content-Security-Policy requires.
    let r = app.get(&c, "/static/back.js").await;
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    assert!(r.text().await.unwrap().contains("history.back()"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn back_to_a_refused_form_keeps_what_was_typed() {
    let app = TestApp::sqlite().await;
    let (b, _driver) = chromium_signed_in(&app, "sec").await;
    let form = app.url(&format!("/organisations/{}/members/new", app.home));
    b.goto(&form).await.unwrap();
    type_into(&b, "name", "重庆山城云科技有限公司").await;
    type_into(&b, "district", "渝北区").await;
    type_into(&b, "category", "理事单位").await;

    // While the secretariat types, their role is taken away: the form is refused.
    let sec = app
        .store
        .find_user_by_username("sec")
        .await
        .unwrap()
        .unwrap();
    app.store
        .revoke_role(Actor::System, sec.id, app.home, Role::Secretariat)
        .await
        .unwrap();
    click(&b, "form.card button[type=submit]").await;
    let back = b
        .wait()
        .for_element(Locator::Id("back-to-form"))
        .await
        .unwrap();
    let alert = b.find(Locator::Css("p.notice.error")).await.unwrap();
    assert!(!alert.text().await.unwrap().is_empty());
    let label = back.text().await.unwrap();
    assert!(
        ["返回表单", "Back to the form"].contains(&label.as_str()),
        "{label}"
    );

    // Given the role back, they follow the link back to the form: what they typed is still in
    // it (a fresh form page would be empty).
    app.store
        .grant_role(Actor::System, sec.id, app.home, Role::Secretariat)
        .await
        .unwrap();
    back.click().await.unwrap();
    b.wait().for_element(Locator::Id("name")).await.unwrap();
    assert_eq!(b.current_url().await.unwrap().as_str(), form);
    for (id, typed) in [
        ("name", "重庆山城云科技有限公司"),
        ("district", "渝北区"),
        ("category", "理事单位"),
    ] {
        let kept = b
            .find(Locator::Id(id))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap();
        assert_eq!(kept.as_deref(), Some(typed), "{id}");
    }

    b.close().await.unwrap();
    app.finish().await;
}

both_databases!(a_refused_governance_form_links_back_to_its_page);

/// The governance pages' own refusals (a rule broken, a field refused, a candidate who may not
/// stand) keep their explanation and their link on, and lead back to the form first.
async fn a_refused_governance_form_links_back_to_its_page(app: &TestApp) {
    let g = set_up(app).await;
    let (c, csrf) = app.signed_in("sec").await;
    let op = format!("/organisations/{}/governance", app.home);
    let mp = format!("/governance/meetings/{}", g.meeting);
    let ep = format!("{mp}/elections/{}", g.election);
    let outsider = outsider(app).await;
    let term = format!("{}:{}", g.congress.0, g.congress_term.0);
    let too_soon = [
        ("term", term.as_str()),
        ("title", "第二次会员代表大会"),
        ("notice_at", "2026-09-01T09:00"),
        ("starts_at", "2026-09-05T09:00"),
    ];
    let untitled = [("title", " ")];
    let ineligible = [
        ("holder", outsider.as_str()),
        ("name", "外地公司（代表：李四）"),
    ];
    // (the form's page, which is also where the refusal's own link leads; where the form is
    // sent; what is sent; the refusal's status and words)
    let cases: [(&str, String, &[(&str, &str)], u16, &str); 3] = [
        (
            &op,
            format!("{op}/meetings"),
            &too_soon,
            409,
            "会议通知只提前了 96 小时，短于章程要求的 15 天。",
        ),
        (&mp, format!("{mp}/agenda"), &untitled, 422, "名称: 必填。"),
        (
            &ep,
            format!("{ep}/candidates"),
            &ineligible,
            409,
            "外地公司 不具备理事会的候选资格：不是会员代表大会成员。",
        ),
    ];
    for (page, path, form, status, reason) in cases {
        let path = &path;
        let refused = |referer: Option<String>| {
            let mut fields = vec![("csrf", csrf.as_str())];
            fields.extend_from_slice(form);
            let mut r = c.post(app.url(path)).form(&fields);
            if let Some(referer) = referer {
                r = r.header("referer", referer);
            }
            async move {
                let r = r.send().await.unwrap();
                assert_eq!(r.status(), status, "{path}");
                r.text().await.unwrap()
            }
        };
        let back = |href: &str| format!("<a id=\"back-to-form\" class=\"button\" href=\"{href}\">");

        // Sent from its page: back to that page (query and all), the explanation kept, and the
        // page's own link second.
        let html = refused(Some(app.url(&format!("{page}?from=list")))).await;
        assert!(html.contains(reason), "{path}: {html}");
        assert!(html.contains(&back(&format!("{page}?from=list"))), "{html}");
        assert!(html.contains("<script src=\"/static/back.js\" defer></script>"));
        let to_form = html.find("id=\"back-to-form\"").unwrap();
        let to_page = html
            .find(&format!("<a href=\"{page}\">返回</a>"))
            .unwrap_or_else(|| panic!("{path}: the link on is kept: {html}"));
        assert!(
            to_form < to_page,
            "{path}: the way back to the form comes first"
        );

        // Another site's page is not used, nor is a missing Referer: the link leads to the page.
        let html = refused(Some(format!("http://evil.example{page}"))).await;
        assert!(
            html.contains(&back(page)) && !html.contains("evil.example"),
            "{html}"
        );
        let html = refused(None).await;
        assert!(html.contains(&back(page)), "{html}");
    }

    // A page that could not be shown (two versions the charter lacks) keeps its one link.
    let dp = format!("/governance/documents/{}", g.document);
    let r = app.get(&c, &format!("{dp}?a=1&b=9")).await;
    assert_eq!(r.status(), 409);
    let html = r.text().await.unwrap();
    assert!(
        !html.contains("back-to-form") && !html.contains("back.js"),
        "{html}"
    );
    assert!(
        html.contains(&format!("<a href=\"{dp}\">返回</a>")),
        "{html}"
    );
}

/// Headless Chromium: the secretariat convenes a meeting with too short a notice; the refusal
/// says why, and "back to the form" returns to the form with everything typed still in it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn back_to_a_refused_governance_form_keeps_what_was_typed() {
    let app = TestApp::sqlite().await;
    let g = set_up(&app).await;
    let (b, _driver) = chromium(1280, 1000).await;
    let op = format!("/organisations/{}/governance", app.home);
    browser_sign_in_chinese(&b, &app, &op, "sec", "#convene").await;
    b.wait()
        .for_element(Locator::Id("convene-title"))
        .await
        .unwrap();

    // Four days' notice where the congress's rules ask for 15; the times are set as a
    // browser's date-time picker would set them.
    let term = format!("{}:{}", g.congress.0, g.congress_term.0);
    b.find(Locator::Id("convene-term"))
        .await
        .unwrap()
        .select_by_value(&term)
        .await
        .unwrap();
    let typed = [
        ("convene-title", "第二次会员代表大会"),
        ("convene-place", "重庆市人民大礼堂"),
        ("convene-notice", "请各会员单位派代表准时出席。"),
        ("convene-agenda", "审议工作报告"),
    ];
    for (id, text) in typed {
        type_into(&b, id, text).await;
    }
    b.execute(
        "document.getElementById('convene-notice-at').value = '2026-09-01T09:00';\
         document.getElementById('convene-starts').value = '2026-09-05T09:00';",
        Vec::new(),
    )
    .await
    .unwrap();
    click(&b, "#convene button[type=submit]").await;

    let back = b
        .wait()
        .for_element(Locator::Id("back-to-form"))
        .await
        .unwrap();
    let alert = b.find(Locator::Css("p.notice.error")).await.unwrap();
    assert_eq!(
        alert.text().await.unwrap(),
        "会议通知只提前了 96 小时，短于章程要求的 15 天。"
    );
    assert_eq!(back.text().await.unwrap(), "返回表单");
    let on = b
        .find(Locator::Css("p > a:not(#back-to-form)"))
        .await
        .unwrap();
    assert_eq!(on.attr("href").await.unwrap().as_deref(), Some(op.as_str()));

    // Back at the form, what was typed and chosen is still there (a fresh form is empty).
    back.click().await.unwrap();
    b.wait()
        .for_element(Locator::Id("convene-title"))
        .await
        .unwrap();
    assert_eq!(b.current_url().await.unwrap().as_str(), app.url(&op));
    let kept = |id: &'static str| {
        let b = b.clone();
        async move {
            b.find(Locator::Id(id))
                .await
                .unwrap()
                .prop("value")
                .await
                .unwrap()
        }
    };
    for (id, text) in typed {
        assert_eq!(kept(id).await.as_deref(), Some(text), "{id}");
    }
    assert_eq!(kept("convene-term").await, Some(term));
    assert_eq!(
        kept("convene-starts").await.as_deref(),
        Some("2026-09-05T09:00")
    );

    b.close().await.unwrap();
    app.finish().await;
}
