//! The HTML pages: sign-in, CSRF, the forms with their errors, list and detail.

use crate::both_databases;
use crate::support::{PASSWORD, TestApp, csrf_of};

both_databases!(
    sign_in_and_out,
    forms_refuse_a_missing_csrf_token,
    forms_show_errors_next_to_fields_and_keep_input,
    add_list_and_end_a_member_unit_through_the_forms,
    pages_need_the_role,
);

async fn sign_in_and_out(app: &TestApp) {
    let c = app.client();
    let page = app.get(&c, "/signin").await;
    let cookies: Vec<_> = page
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    assert!(
        cookies
            .iter()
            .any(|c| c.starts_with("federa_csrf=") && c.contains("HttpOnly"))
    );
    let csrf = csrf_of(&page.text().await.unwrap());
    let r = app
        .post_form(
            &c,
            "/signin",
            &[
                ("csrf", csrf.as_str()),
                ("username", "admin"),
                ("password", "wrong"),
            ],
        )
        .await;
    assert_eq!(r.status(), 401);
    let body = r.text().await.unwrap();
    assert!(body.contains("id=\"password-error\""), "{body}");
    assert!(body.contains("value=\"admin\""), "the username is kept");
    let r = app
        .post_form(
            &c,
            "/signin",
            &[
                ("csrf", csrf.as_str()),
                ("username", "admin"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let set = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(set.starts_with("federa_session="));
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Lax"),
        "{set}"
    );
    let token = set
        .trim_start_matches("federa_session=")
        .split(';')
        .next()
        .unwrap()
        .to_string();
    // Only the token's hash is stored.
    let page = app.page(&c, "/organisations").await;
    assert!(page.contains("/signout"));
    let csrf = csrf_of(&page);
    assert!(
        app.store
            .find_session(&token, time::OffsetDateTime::now_utc())
            .await
            .unwrap()
            .is_none()
    );
    let r = app
        .post_form(&c, "/signout", &[("csrf", csrf.as_str())])
        .await;
    assert_eq!(r.status(), 303);
    let page = app.page(&c, "/organisations").await;
    assert!(!page.contains("/signout"));
}

async fn forms_refuse_a_missing_csrf_token(app: &TestApp) {
    let (c, csrf) = app.signed_in("admin").await;
    let before = app.snapshot().await;
    for token in ["", "0000", "f".repeat(64).as_str()] {
        let r = app
            .post_form(
                &c,
                "/organisations",
                &[("csrf", token), ("name", "Forged"), ("kind", "company")],
            )
            .await;
        assert_eq!(r.status(), 403, "token {token:?}");
        assert!(
            r.text().await.unwrap().contains("<html"),
            "a page, not JSON"
        );
    }
    assert_eq!(app.snapshot().await, before);
    let r = app
        .post_form(
            &c,
            "/organisations",
            &[
                ("csrf", csrf.as_str()),
                ("name", "Genuine"),
                ("kind", "company"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
}

async fn forms_show_errors_next_to_fields_and_keep_input(app: &TestApp) {
    let (c, csrf) = app.signed_in("admin").await;
    let before = app.snapshot().await;
    let long = "长".repeat(201);
    let cases: &[(&[(&str, &str)], &str, &str)] = &[
        (
            &[("name", ""), ("kind", "company"), ("district", "江北区")],
            "name-error",
            "江北区",
        ),
        (
            &[
                ("name", "Other Association"),
                ("kind", "company"),
                ("sector", "教育"),
            ],
            "name-error",
            "教育",
        ),
        (
            &[("name", long.as_str()), ("kind", "company")],
            "name-error",
            long.as_str(),
        ),
        (
            &[
                ("name", "Dated"),
                ("kind", "company"),
                ("founded", "2020-02-30"),
            ],
            "founded-error",
            "Dated",
        ),
    ];
    for (fields, error_id, kept) in cases {
        let mut form = vec![("csrf", csrf.as_str())];
        form.extend_from_slice(fields);
        let r = app.post_form(&c, "/organisations", &form).await;
        assert_eq!(r.status(), 422);
        let body = r.text().await.unwrap();
        assert!(
            body.contains(&format!("id=\"{error_id}\"")),
            "{error_id} in {body}"
        );
        assert!(body.contains(&format!("value=\"{kept}\"")), "{kept} kept");
    }
    assert_eq!(app.snapshot().await, before);
}

async fn add_list_and_end_a_member_unit_through_the_forms(app: &TestApp) {
    let (c, csrf) = app.signed_in("sec").await;
    let home = app.home;
    let r = app
        .post_form(
            &c,
            &format!("/organisations/{home}/members/new"),
            &[
                ("csrf", csrf.as_str()),
                ("name", "重庆两江数据有限公司"),
                ("kind", "company"),
                ("district", "两江新区"),
                ("sector", "大数据"),
                ("category", "理事单位"),
                ("joined", "2023-05-04"),
                ("status", "admitted"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let page = app
        .page(&c, &format!("/organisations/{home}?q=%E4%B8%A4%E6%B1%9F"))
        .await;
    assert!(page.contains("重庆两江数据有限公司"));
    let list = app
        .page(
            &c,
            "/organisations?district=%E4%B8%A4%E6%B1%9F%E6%96%B0%E5%8C%BA",
        )
        .await;
    assert!(list.contains("重庆两江数据有限公司"));
    let members = app
        .store
        .list_memberships(home, &Default::default(), federa_store::Page::default())
        .await
        .unwrap();
    let mid = members.items[0].id;
    // Ending before the join date is refused next to the field.
    let r = app
        .post_form(
            &c,
            &format!("/organisations/{home}/members/{mid}/end"),
            &[
                ("csrf", csrf.as_str()),
                ("left_on", "2020-01-01"),
                ("status", "withdrawn"),
                ("reason", ""),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("id=\"left_on-error\""));
    let r = app
        .post_form(
            &c,
            &format!("/organisations/{home}/members/{mid}/end"),
            &[
                ("csrf", csrf.as_str()),
                ("left_on", "2024-01-01"),
                ("status", "expelled"),
                ("reason", "违反公约"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        app.store.get_membership(mid).await.unwrap().status.as_str(),
        "expelled"
    );
    // Paging keeps the filters.
    for i in 0..25 {
        app.store
            .create_organisation(
                federa_store::Actor::System,
                &federa_store::OrgInput {
                    name: format!("分页企业 {i:02}"),
                    kind: "company".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
    }
    let p1 = app.page(&c, "/organisations?kind=company").await;
    assert!(p1.contains("rel=\"next\""));
    assert!(
        p1.contains("kind=company&#38;offset=20"),
        "next link keeps the filter: {p1}"
    );
    let p2 = app.page(&c, "/organisations?kind=company&offset=20").await;
    assert!(p2.contains("rel=\"prev\"") && !p2.contains("rel=\"next\""));
}

async fn pages_need_the_role(app: &TestApp) {
    // Anonymous: the list is public, forms send you to sign in.
    let anon = app.client();
    assert_eq!(app.get(&anon, "/organisations").await.status(), 200);
    let r = app.get(&anon, "/organisations/new").await;
    assert_eq!(r.status(), 303);
    assert!(
        r.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/signin?next=")
    );
    // The representative may not edit, and gets a translated page.
    let (c, _) = app.signed_in("rep").await;
    let r = app
        .get_in(&c, &format!("/organisations/{}/edit", app.home), "en")
        .await;
    assert_eq!(r.status(), 403);
    let body = r.text().await.unwrap();
    assert!(body.contains("Your role does not allow this."));
    assert!(
        body.contains("/signout"),
        "the header still shows who is signed in"
    );
    // The secretariat may edit its own organisation but not another.
    let (c, _) = app.signed_in("sec").await;
    assert_eq!(
        app.get(&c, &format!("/organisations/{}/edit", app.home))
            .await
            .status(),
        200
    );
    assert_eq!(
        app.get(&c, &format!("/organisations/{}/edit", app.other))
            .await
            .status(),
        403
    );
    assert_eq!(app.get(&c, "/organisations/999999").await.status(), 404);
}
