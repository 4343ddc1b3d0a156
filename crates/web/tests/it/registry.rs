//! The member registry over HTTP on both databases: the JSON API with roles, import and export,
//! dues with the CSV download, the pages in both languages with forms that keep what was typed,
//! the public directory; and the import page in headless Chromium.

use federa_store::Actor;
use reqwest::Method;
use serde_json::{Value, json};

use crate::both_databases;
use crate::support::{HEADER, TestApp};

both_databases!(
    registry_api_roles_and_refusals,
    registry_import_export_and_dues,
    registry_pages_in_both_languages,
    public_directory_needs_no_sign_in,
);

fn row(i: u32, category: &str, joined: &str) -> String {
    format!(
        "重庆测试{i}科技有限公司,测试{i},企业,,渝中区,软件,{category},{joined},,代表{i},023-6300{i:04},r{i}@example.cn\n"
    )
}

async fn setup(app: &TestApp) {
    app.define_categories(&[
        ("vice_president_unit", "副会长单位", 1, 2_000_000),
        ("council_unit", "理事单位", 2, 500_000),
        ("member_unit", "会员单位", 3, 100_000),
    ])
    .await;
}

/// A member unit added through the API by `auth`; returns the membership id.
async fn add_unit(
    app: &TestApp,
    c: &reqwest::Client,
    auth: &str,
    name: &str,
    category: &str,
) -> i64 {
    let admin = app.token("admin").await;
    let r = app
        .api(
            c,
            Method::POST,
            "/api/organisations",
            &format!("Bearer {admin}"),
            Some(&json!({"name": name, "kind": "company", "district": "渝北区", "sector": "软件"})),
        )
        .await;
    assert_eq!(r.status(), 201);
    let org: Value = r.json().await.unwrap();
    let r = app
        .api(
            c,
            Method::POST,
            &format!("/api/organisations/{}/registry/members", app.home),
            auth,
            Some(
                &json!({"member_id": org["id"], "category": category, "joined": "2020-03-01",
                      "decision": {"reference": "秘书处〔2020〕1号"}}),
            ),
        )
        .await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let m: Value = r.json().await.unwrap();
    assert_eq!(m["category"], "council_unit");
    m["id"].as_i64().unwrap()
}

async fn registry_api_roles_and_refusals(app: &TestApp) {
    setup(app).await;
    let c = app.client();
    let sec = format!("Bearer {}", app.token("sec").await);
    let rep = format!("Bearer {}", app.token("rep").await);
    let mid = add_unit(app, &c, &sec, "重庆山城云科技有限公司", "理事单位").await;
    let home = app.home;

    // Representatives read; anonymous callers do not; representatives do not write.
    let search = format!("/api/organisations/{home}/registry/members?q=%E5%B1%B1%E5%9F%8E");
    let r = app.api(&c, Method::GET, &search, &rep, None).await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["total"], 1);
    assert_eq!(v["items"][0]["category_name"], "理事单位");
    let r = app.get(&c, &search).await;
    assert_eq!(r.status(), 401);
    let before = app.snapshot().await;
    let r = app
        .api(
            &c,
            Method::POST,
            &format!("/api/registry/members/{mid}/status"),
            &rep,
            Some(&json!({"to": "suspended", "on": "2024-01-01"})),
        )
        .await;
    assert_eq!(r.status(), 403);
    // Another organisation's secretariat may not read this one's members.
    let r = app
        .api(
            &c,
            Method::GET,
            &format!("/api/organisations/{}/registry/members", app.other),
            &sec,
            None,
        )
        .await;
    assert_eq!(r.status(), 403);
    // Refusals name the field and change nothing.
    for (body, field, code) in [
        (
            json!({"to": "applied", "on": "2024-01-01"}),
            "status",
            "illegal_transition",
        ),
        (
            json!({"to": "suspended", "on": "2019-01-01"}),
            "on",
            "change_before_previous",
        ),
        (
            json!({"to": "suspended", "on": "2024-02-30"}),
            "on",
            "invalid_date",
        ),
        (
            json!({"to": "gone", "on": "2024-01-01"}),
            "to",
            "unknown_status",
        ),
    ] {
        let r = app
            .api(
                &c,
                Method::POST,
                &format!("/api/registry/members/{mid}/status"),
                &sec,
                Some(&body),
            )
            .await;
        assert_eq!(r.status(), 422, "{body}");
        let e: Value = r.json().await.unwrap();
        assert_eq!(e["error"]["field"], field, "{body}");
        assert_eq!(e["error"]["fields"][0]["code"], code, "{body}");
    }
    let r = app
        .api(
            &c,
            Method::POST,
            &format!("/api/organisations/{home}/registry/members"),
            &sec,
            Some(&json!({"member_id": app.other, "category": "名誉单位", "joined": "2020-01-01"})),
        )
        .await;
    assert_eq!(r.status(), 422);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["error"]["fields"][0]["code"], "unknown_category");
    let r = app.api(&c, Method::POST, &format!("/api/organisations/{home}/registry/members"), &sec, Some(&json!({"member_id": 1, "category": "理事单位", "joined": "2020-01-01", "extra": 1}))).await;
    assert_eq!(r.status(), 422);
    assert_eq!(app.snapshot().await, before);

    // A real change, with its decision in the history.
    let r = app
        .api(
            &c,
            Method::POST,
            &format!("/api/registry/members/{mid}/status"),
            &sec,
            Some(&json!({"to": "suspended", "on": "2024-01-01", "decision": {"motion_id": 12}})),
        )
        .await;
    assert_eq!(r.status(), 200);
    // People, the representative and a contact.
    let r = app
        .api(
            &c,
            Method::POST,
            &format!("/api/organisations/{home}/people"),
            &sec,
            Some(&json!({"name": "张三", "title": "总经理", "phone": "13800000000"})),
        )
        .await;
    assert_eq!(r.status(), 201);
    let person: Value = r.json().await.unwrap();
    let r = app
        .api(
            &c,
            Method::PUT,
            &format!("/api/registry/members/{mid}/representative"),
            &sec,
            Some(&json!({"person_id": person["id"]})),
        )
        .await;
    assert_eq!(r.status(), 200);
    let r = app
        .api(
            &c,
            Method::POST,
            &format!("/api/registry/members/{mid}/contacts"),
            &sec,
            Some(&json!({"person_id": person["id"], "role": "联系人"})),
        )
        .await;
    assert_eq!(r.status(), 200);
    let shown: Value = app
        .api(
            &c,
            Method::GET,
            &format!("/api/registry/members/{mid}"),
            &rep,
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(shown["membership"]["representative"], person["id"]);
    assert_eq!(shown["membership"]["contacts"][0]["role"], "联系人");
    let h = shown["history"].as_array().unwrap();
    assert_eq!(h.len(), 2);
    assert_eq!(h[0]["decision"]["reference"], "秘书处〔2020〕1号");
    assert_eq!(h[1]["decision"], json!({"by": "motion", "motion_id": 12}));
    assert_eq!(h[1]["to"], "suspended");

    // The OpenAPI document lists the registry's paths.
    let v: Value = app.get(&c, "/api/openapi.json").await.json().await.unwrap();
    let paths = v["paths"].as_object().unwrap();
    for p in [
        "/api/organisations/{id}/registry/members",
        "/api/registry/members/{mid}",
        "/api/registry/members/{mid}/status",
        "/api/organisations/{id}/import/preview",
        "/api/organisations/{id}/import",
        "/api/organisations/{id}/export",
        "/api/organisations/{id}/dues/collected.csv",
        "/api/organisations/{id}/directory",
    ] {
        assert!(paths.contains_key(p), "missing {p}");
    }
}

async fn registry_import_export_and_dues(app: &TestApp) {
    setup(app).await;
    let c = app.client();
    let sec = format!("Bearer {}", app.token("sec").await);
    let home = app.home;
    let file = format!(
        "{HEADER}{}{}{}",
        row(1, "理事单位", "2019-02-03"),
        row(2, "名誉单位", "2019-02-03"),
        row(3, "会员单位", "2019-02-31"),
    );
    let r = c
        .post(app.url(&format!("/api/organisations/{home}/import/preview")))
        .header("authorization", &sec)
        .body(file.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["rows_read"], 3);
    let problems: Vec<(i64, String, String)> = p["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["row"].as_i64().unwrap(),
                x["column"].as_str().unwrap().to_string(),
                x["code"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        problems,
        vec![
            (3, "category".into(), "unknown_category".into()),
            (4, "joined".into(), "invalid_date".into())
        ]
    );
    let before = app.snapshot().await;
    let r = c
        .post(app.url(&format!("/api/organisations/{home}/import")))
        .header("authorization", &sec)
        .body(file.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["error"]["fields"][0]["code"], "invalid_rows");
    assert_eq!(app.snapshot().await, before);
    let r = c
        .post(app.url(&format!(
            "/api/organisations/{home}/import?mode=valid_rows_only"
        )))
        .header("authorization", &sec)
        .body(file)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let rep: Value = r.json().await.unwrap();
    assert_eq!(
        (rep["imported"].as_i64(), rep["skipped_rows"].as_i64()),
        (Some(1), Some(2))
    );

    // Export: CSV with a BOM and the Chinese header; XLSX as a zip.
    let r = app
        .api(
            &c,
            Method::GET,
            &format!("/api/organisations/{home}/export"),
            &sec,
            None,
        )
        .await;
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains(".csv")
    );
    let body = r.text().await.unwrap();
    assert!(body.starts_with("\u{feff}单位名称"), "{body}");
    assert!(body.contains("重庆测试1科技有限公司"));
    assert!(body.contains("理事单位"));
    let r = app
        .api(
            &c,
            Method::GET,
            &format!("/api/organisations/{home}/export?format=xlsx"),
            &sec,
            None,
        )
        .await;
    assert_eq!(r.status(), 200);
    assert!(r.bytes().await.unwrap().starts_with(b"PK\x03\x04"));

    // Dues: bill 2024, pay part, download what was collected by year.
    let r = app
        .api(
            &c,
            Method::POST,
            &format!("/api/organisations/{home}/dues/2024/bill"),
            &sec,
            None,
        )
        .await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["billed"], 1);
    let hits: Value = app
        .api(
            &c,
            Method::GET,
            &format!("/api/organisations/{home}/registry/members"),
            &sec,
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    let mid = hits["items"][0]["membership_id"].as_i64().unwrap();
    let r = app
        .api(
            &c,
            Method::POST,
            &format!("/api/registry/members/{mid}/dues/2024/payments"),
            &sec,
            Some(&json!({"on": "2024-05-01", "amount_fen": 200_000, "reference": "回单1"})),
        )
        .await;
    assert_eq!(r.status(), 200);
    let d: Value = r.json().await.unwrap();
    assert_eq!(d["due_fen"], 500_000);
    let r = app
        .api(
            &c,
            Method::POST,
            &format!("/api/registry/members/{mid}/dues/2024/payments"),
            &sec,
            Some(&json!({"on": "2024-05-01", "amount_fen": -1})),
        )
        .await;
    assert_eq!(r.status(), 422);
    let report: Value = app
        .api(
            &c,
            Method::GET,
            &format!("/api/organisations/{home}/dues?year=2024"),
            &sec,
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(report["lines"][0]["outstanding_fen"], 300_000);
    let r = app
        .api(
            &c,
            Method::GET,
            &format!("/api/organisations/{home}/dues/collected.csv"),
            &sec,
            None,
        )
        .await;
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = r.text().await.unwrap();
    assert!(
        csv.contains("2024,1,5000.00,2000.00,3000.00,2000.00"),
        "{csv}"
    );
}

async fn registry_pages_in_both_languages(app: &TestApp) {
    setup(app).await;
    let (c, csrf) = app.signed_in("sec").await;
    let sec = format!("Bearer {}", app.token("sec").await);
    let mid = add_unit(app, &c, &sec, "重庆嘉陵数据科技有限公司", "理事单位").await;
    let home = app.home;
    for (lang, title) in [("zh-CN", "会员"), ("en", "Members")] {
        app.get(&c, &format!("/lang/{lang}")).await;
        let page = app
            .get(&c, &format!("/organisations/{home}/registry"))
            .await;
        assert_eq!(page.status(), 200);
        let html = page.text().await.unwrap();
        assert!(html.contains(title), "{lang}");
        assert!(html.contains("重庆嘉陵数据科技有限公司"));
        assert!(html.contains(&format!("lang=\"{lang}\"")));
    }
    // A payment with a bad amount: the error next to the field, what was typed kept.
    let r = app
        .post_form(
            &c,
            &format!("/registry/members/{mid}/payments"),
            &[
                ("csrf", csrf.as_str()),
                ("year", "2024"),
                ("pay_on", "2024-05-01"),
                ("amount", "12,5.3.4"),
                ("pay_reference", "REF-7"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"amount-error\""), "{html}");
    assert!(html.contains("Not an amount"));
    assert!(html.contains("value=\"REF-7\""));
    assert!(html.contains("value=\"12,5.3.4\""));
    // A status change through the form, then shown in the history with its decision.
    let r = app
        .post_form(
            &c,
            &format!("/registry/members/{mid}/status"),
            &[
                ("csrf", csrf.as_str()),
                ("to", "suspended"),
                ("on", "2024-06-01"),
                ("reference", "秘书处〔2024〕9号"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    app.get(&c, "/lang/zh-CN").await;
    let html = app.page(&c, &format!("/registry/members/{mid}")).await;
    assert!(html.contains("秘书处决定 秘书处〔2024〕9号"), "{html}");
    assert!(html.contains("已暂停") || html.contains("暂停"));
    // A person with a bad e-mail: refused next to the field; then a good one.
    let r = app
        .post_form(
            &c,
            &format!("/organisations/{home}/people"),
            &[
                ("csrf", csrf.as_str()),
                ("name", "李四"),
                ("email", "nobody"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"email-error\""));
    assert!(html.contains("value=\"李四\""));
    // Categories, dues and import pages render; a form without CSRF is refused.
    for path in ["categories", "dues", "import", "people"] {
        let r = app.get(&c, &format!("/organisations/{home}/{path}")).await;
        assert_eq!(r.status(), 200, "{path}");
    }
    let r = app
        .post_form(
            &c,
            &format!("/organisations/{home}/categories"),
            &[("key", "x"), ("name", "X")],
        )
        .await;
    assert_eq!(r.status(), 403);
    // The representative reads but gets no forms; anonymous callers are sent to sign in.
    let (rc, _) = app.signed_in("rep").await;
    let html = app.page(&rc, &format!("/registry/members/{mid}")).await;
    assert!(html.contains("重庆嘉陵数据科技有限公司"));
    assert!(!html.contains(&format!("/registry/members/{mid}/status")));
    let r = app
        .client()
        .get(app.url(&format!("/organisations/{home}/registry")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let r = app.get(&rc, &format!("/organisations/{home}/import")).await;
    assert_eq!(r.status(), 403);
}

async fn public_directory_needs_no_sign_in(app: &TestApp) {
    setup(app).await;
    let c = app.client();
    let sec = format!("Bearer {}", app.token("sec").await);
    add_unit(app, &c, &sec, "公开单位", "理事单位").await;
    add_unit(app, &c, &sec, "不公开单位", "理事单位").await;
    let public = app
        .store
        .find_organisation_by_name("公开单位")
        .await
        .unwrap()
        .unwrap();
    app.store
        .set_registry_fields(Actor::System, public.id, None, true)
        .await
        .unwrap();
    let anon = app.client();
    let v: Value = app
        .get(&anon, &format!("/api/organisations/{}/directory", app.home))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["total"], 1);
    assert_eq!(v["items"][0]["name"], "公开单位");
    assert!(v["items"][0].get("registration_number").is_none());
    let html = anon
        .get(app.url(&format!("/directory/{}", app.home)))
        .header("cookie", "federa_lang=en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("公开单位"));
    assert!(!html.contains("不公开单位"));
    assert!(html.contains("Public member directory"));
    let index = app.get(&anon, "/registry").await;
    assert_eq!(index.status(), 200);
    assert!(
        index
            .text()
            .await
            .unwrap()
            .contains(&format!("/directory/{}", app.home))
    );
}

/// Headless Chromium on the import page: choose a file, preview it (the problems table lists
/// the bad row), then import the valid rows only and find the unit in the search.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_previews_and_imports_a_member_list() {
    use crate::support::{chromium_signed_in, click, type_into};
    use fantoccini::Locator;

    let app = TestApp::sqlite().await;
    setup(&app).await;
    let (b, _driver) = chromium_signed_in(&app, "sec").await;

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("members.csv");
    std::fs::write(
        &path,
        format!(
            "{HEADER}{}{}",
            row(1, "理事单位", "2019-02-03"),
            row(2, "名誉单位", "2019-02-03")
        ),
    )
    .unwrap();
    b.goto(&app.url(&format!(
        "/lang/zh-CN?back=/organisations/{}/import",
        app.home
    )))
    .await
    .unwrap();
    type_into(&b, "file", &path.display().to_string()).await;
    click(&b, "#preview").await;
    let problems = b.wait().for_element(Locator::Id("problems")).await.unwrap();
    let text = problems.text().await.unwrap();
    assert!(text.contains("不是本组织的会员类别"), "{text}");
    assert!(text.contains('3'), "{text}");
    let counts = b
        .find(Locator::Id("preview-counts"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(counts.contains("2"), "{counts}");
    // Importing all rows is refused; the valid rows only go in.
    click(&b, "#import-all").await;
    let err = b
        .wait()
        .for_element(Locator::Id("import-error"))
        .await
        .unwrap();
    assert!(err.text().await.unwrap().contains("未导入"));
    click(&b, "#import-valid").await;
    let done = b
        .wait()
        .for_element(Locator::Id("report-counts"))
        .await
        .unwrap();
    let text = done.text().await.unwrap();
    assert!(text.contains('1'), "{text}");
    let png = b.screenshot().await.unwrap();
    assert!(png.starts_with(b"\x89PNG"));
    b.goto(&app.url(&format!("/organisations/{}/registry", app.home)))
        .await
        .unwrap();
    let hits = b.wait().for_element(Locator::Id("hits")).await.unwrap();
    assert!(hits.text().await.unwrap().contains("重庆测试1科技有限公司"));
    b.close().await.unwrap();
    app.finish().await;
}
