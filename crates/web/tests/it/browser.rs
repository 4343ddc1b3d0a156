//! A real browser: headless Chromium, driven through chromedriver by fantoccini, signs in,
//! adds a member unit through the form, finds it in the list, and saves a screenshot to
//! `target/test-output/`. A missing Chromium fails the test.

use fantoccini::Locator;

use crate::support::{TestApp, browser_sign_in, chromium, click, test_output_dir, type_into};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_signs_in_adds_a_member_unit_and_finds_it() {
    let app = TestApp::sqlite().await;
    let (b, _driver) = chromium(1280, 900).await;

    // Sign in as the secretariat of the home organisation.
    browser_sign_in(&b, &app, "/signin", "sec", "table.list").await;

    // Add a member unit through the form.
    b.goto(&app.url(&format!("/organisations/{}/members/new", app.home)))
        .await
        .unwrap();
    type_into(&b, "name", "重庆山城云科技有限公司").await;
    b.find(Locator::Id("kind"))
        .await
        .unwrap()
        .select_by_value("company")
        .await
        .unwrap();
    type_into(&b, "district", "渝北区").await;
    type_into(&b, "sector", "云计算").await;
    type_into(&b, "category", "理事单位").await;
    click(&b, "form.card button[type=submit]").await;

    // Back on the organisation's page, the new unit is listed.
    let table = b.wait().for_element(Locator::Id("members")).await.unwrap();
    let text = table.text().await.unwrap();
    assert!(text.contains("重庆山城云科技有限公司"), "{text}");
    assert!(text.contains("理事单位"));
    // And the organisation list finds it by name.
    b.goto(&app.url("/organisations?q=%E5%B1%B1%E5%9F%8E%E4%BA%91"))
        .await
        .unwrap();
    let list = b
        .wait()
        .for_element(Locator::Css("table.list"))
        .await
        .unwrap();
    assert!(
        list.text()
            .await
            .unwrap()
            .contains("重庆山城云科技有限公司")
    );

    let shot = |name: &'static str| {
        let b = b.clone();
        async move {
            let png = b.screenshot().await.unwrap();
            assert!(png.starts_with(b"\x89PNG"));
            std::fs::write(test_output_dir().join(name), png).unwrap();
        }
    };
    // Both languages through the visible switch, on a desktop and on a phone.
    let detail = app.url(&format!("/organisations/{}", app.home));
    for lang in ["zh-CN", "en"] {
        b.goto(&app.url(&format!("/lang/{lang}?back=/organisations/{}", app.home)))
            .await
            .unwrap();
        let html = b.wait().for_element(Locator::Css("html")).await.unwrap();
        assert_eq!(html.attr("lang").await.unwrap().as_deref(), Some(lang));
        b.wait().for_element(Locator::Id("members")).await.unwrap();
        b.set_window_size(1280, 900).await.unwrap();
        shot(if lang == "en" {
            "browser-detail-en.png"
        } else {
            "browser-detail-zh.png"
        })
        .await;
        b.set_window_size(390, 844).await.unwrap();
        b.goto(&detail).await.unwrap();
        shot(if lang == "en" {
            "browser-phone-en.png"
        } else {
            "browser-phone-zh.png"
        })
        .await;
        // A form sent with a missing name shows the error next to the field.
        b.set_window_size(1280, 900).await.unwrap();
        b.goto(&app.url(&format!("/organisations/{}/members/new", app.home)))
            .await
            .unwrap();
        type_into(&b, "district", "江北区").await;
        click(&b, "form.card button[type=submit]").await;
        let err = b
            .wait()
            .for_element(Locator::Id("name-error"))
            .await
            .unwrap();
        assert!(!err.text().await.unwrap().is_empty());
        let kept = b
            .find(Locator::Id("district"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap();
        assert_eq!(kept.as_deref(), Some("江北区"));
        shot(if lang == "en" {
            "browser-form-errors-en.png"
        } else {
            "browser-form-errors-zh.png"
        })
        .await;
    }
    b.goto(&detail).await.unwrap();
    b.wait().for_element(Locator::Id("members")).await.unwrap();
    shot("browser-member-added.png").await;

    b.close().await.unwrap();
    app.finish().await;
}
