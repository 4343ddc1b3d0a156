//! The succession page: an organisation's admin hands it over to a federation through a form
//! that asks for the organisation's name to confirm; anyone else sees no form and is refused.

use federa_store::{Actor, MembershipFilter, MembershipInput, OrgInput, Page};

use crate::both_databases;
use crate::support::TestApp;

both_databases!(an_admin_succeeds_an_organisation_through_the_page);

const HOME: &str = "重庆市网络媒体协会";

async fn an_admin_succeeds_an_organisation_through_the_page(app: &TestApp) {
    let home = app.home;
    let unit = app
        .store
        .add_membership(
            Actor::System,
            home,
            &MembershipInput {
                member_id: None,
                new_member: Some(OrgInput {
                    name: "华龙网".into(),
                    kind: "company".into(),
                    ..OrgInput::default()
                }),
                category: "会员单位".into(),
                joined: "2020-01-01".into(),
                status: None,
            },
        )
        .await
        .unwrap()
        .member
        .id;
    let fed = app
        .store
        .create_organisation(
            Actor::System,
            &OrgInput {
                name: "重庆市互联网联合会".into(),
                kind: "federation".into(),
                ..OrgInput::default()
            },
        )
        .await
        .unwrap()
        .id;
    let path = format!("/organisations/{home}/succession");

    // The secretariat reads the page but gets no form, and may not post one.
    let (sec, sec_csrf) = app.signed_in("sec").await;
    let page = app.page(&sec, &path).await;
    assert!(!page.contains("succession-form"), "{page}");
    let fed_id = fed.to_string();
    let r = app
        .post_form(
            &sec,
            &path,
            &[
                ("csrf", sec_csrf.as_str()),
                ("successor", fed_id.as_str()),
                ("on", "2026-06-28"),
                ("reference", "决定〔2026〕1号"),
                ("confirm", HOME),
            ],
        )
        .await;
    assert_eq!(r.status(), 403);

    // The admin gets the form, in both languages, with the federation to choose.
    let (admin, csrf) = app.signed_in("admin").await;
    for lang in ["zh-CN", "en"] {
        let r = app.get_in(&admin, &path, lang).await;
        assert_eq!(r.status(), 200);
        let page = r.text().await.unwrap();
        assert!(page.contains("succession-form"), "{page}");
        assert!(page.contains(&format!("<option value=\"{fed}\"")), "{page}");
        assert!(!page.contains(">?<"), "{lang}: a missing translation");
    }
    let before = app.snapshot().await;
    let post = |confirm: &'static str, on: &'static str| {
        let (admin, csrf, fed_id, path) = (admin.clone(), csrf.clone(), fed_id.clone(), &path);
        async move {
            admin
                .post(app.url(path))
                .header("accept-language", "en")
                .form(&[
                    ("csrf", csrf.as_str()),
                    ("successor", fed_id.as_str()),
                    ("on", on),
                    ("reference", "决定〔2026〕1号"),
                    ("confirm", confirm),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    // Without the name typed exactly, or with a bad date: refused next to the field, and
    // nothing changes.
    let r = post("重庆市网络媒体", "2026-06-28").await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    let error = page.split("id=\"confirm-error\">").nth(1).unwrap_or("");
    assert!(error.contains("name exactly as shown."), "{page}");
    assert!(
        page.contains("决定〔2026〕1号"),
        "the form keeps what was typed"
    );
    let r = post(HOME, "2026-02-30").await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Not a date"));
    assert_eq!(app.snapshot().await, before);
    assert_eq!(app.store.succession_of(home).await.unwrap(), None);

    // Confirmed: the federation takes over the member unit.
    let r = post(HOME, "2026-06-28").await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        r.headers()["location"].to_str().unwrap(),
        format!("/organisations/{fed}/registry")
    );
    let (_, successor, on) = app.store.succession_of(home).await.unwrap().unwrap();
    assert_eq!((successor, on.to_string()), (fed, "2026-06-28".to_string()));
    let current = MembershipFilter {
        current_only: true,
        ..MembershipFilter::default()
    };
    let members = app
        .store
        .list_memberships(fed, &current, Page::new(0, 10))
        .await
        .unwrap();
    assert_eq!(members.total, 1);
    assert_eq!(members.items[0].member.id, unit);

    // Both pages say so; the succeeded organisation offers no form any more.
    let page = app.page(&admin, &path).await;
    assert!(page.contains("succeeded-by") && page.contains("重庆市互联网联合会"));
    assert!(!page.contains("succession-form"));
    let page = app
        .page(&admin, &format!("/organisations/{fed}/succession"))
        .await;
    assert!(
        page.contains("succeeded-from") && page.contains(HOME),
        "{page}"
    );
    // Succeeding it again is refused.
    let r = post(HOME, "2026-06-29").await;
    assert_eq!(r.status(), 422);
}
