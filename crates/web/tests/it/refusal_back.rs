//! A refused form's error page leads back to the form: in a browser, through the history, so
//! what was typed is still there; without script, to the page the form was on, and never to
//! another site.

use fantoccini::Locator;
use federa_store::{Actor, Role};

use crate::both_databases;
use crate::support::{TestApp, chromium_signed_in, click, type_into};

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
