//! Files over HTTP: the member import refuses each kind of bad file with a clear error and
//! leaves the registry as it was (wrong header, bad date, unknown category, duplicates, a
//! workbook of several sheets, an empty file, a file over the import's or the route's size
//! limit), reads a GBK CSV, and takes a 1 MB list through the API and the import page; a
//! circular takes attachments larger than the ordinary body limit.

use federa_core::registry::import::MAX_FILE_BYTES;
use federa_web::upload::UPLOAD_LIMIT;
use serde_json::Value;

use crate::both_databases;
use crate::support::{HEADER, TestApp};

both_databases!(bad_member_files_leave_the_registry_as_it_was);

fn row(i: u32, category: &str, joined: &str) -> String {
    format!(
        "重庆上传{i}科技有限公司,上传{i},企业,,渝北区,软件,{category},{joined},,代表{i},023-6400{i:04},u{i}@example.cn\n"
    )
}

async fn setup(app: &TestApp) {
    app.define_categories(&[
        ("council_unit", "理事单位", 2, 500_000),
        ("member_unit", "会员单位", 3, 100_000),
    ])
    .await;
}

/// The API's answer to `POST path` with `body` as the file, as status and JSON.
async fn send(app: &TestApp, auth: &str, path: &str, body: Vec<u8>) -> (u16, Value) {
    let r = app
        .client()
        .post(app.url(path))
        .header("authorization", auth)
        .header("content-type", "application/octet-stream")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap())
}

/// The codes of a preview's problems, as (row, column, code).
fn problems(p: &Value) -> Vec<(i64, String, String)> {
    p["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["row"].as_i64().unwrap_or(0),
                x["column"].as_str().unwrap_or("").to_string(),
                x["code"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// A workbook with the template's header and one row on each of two sheets.
fn two_sheets() -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    for (n, name) in ["会员单位", "说明"].into_iter().enumerate() {
        let s = book.add_worksheet();
        s.set_name(name).unwrap();
        for (c, h) in HEADER.trim().split(',').enumerate() {
            s.write_string(0, c as u16, h).unwrap();
        }
        let r = row(50 + n as u32, "会员单位", "2019-02-03");
        for (c, v) in r.trim().split(',').enumerate() {
            s.write_string(1, c as u16, v).unwrap();
        }
    }
    book.save_to_buffer().unwrap()
}

async fn member_names(app: &TestApp) -> Vec<String> {
    let mut names: Vec<String> = app
        .store
        .list_memberships(
            app.home,
            &Default::default(),
            federa_store::Page::new(0, 500),
        )
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|m| m.member.name)
        .collect();
    names.sort();
    names
}

async fn bad_member_files_leave_the_registry_as_it_was(app: &TestApp) {
    setup(app).await;
    let sec = format!("Bearer {}", app.token("sec").await);
    let home = app.home;
    let preview = format!("/api/organisations/{home}/import/preview");
    let import = format!("/api/organisations/{home}/import");
    // One member to begin with, for the duplicate of an existing member.
    let (status, rep) = send(
        app,
        &sec,
        &import,
        format!("{HEADER}{}", row(1, "会员单位", "2019-02-03")).into_bytes(),
    )
    .await;
    assert_eq!((status, rep["imported"].as_i64()), (200, Some(1)), "{rep}");
    let before = (app.snapshot().await, member_names(app).await);

    // Files whose rows have problems: the preview names row, column and reason; the import
    // refuses the whole file.
    let cases: Vec<(String, Vec<(i64, String, String)>)> = vec![
        (
            "foo,bar\n1,2\n".to_string(),
            vec![(1, String::new(), "wrong_header".into())],
        ),
        (
            "名称,地址\n某公司,渝中区\n".to_string(),
            vec![
                (1, "地址".into(), "unknown_column".into()),
                (1, "category".into(), "missing_column".into()),
                (1, "joined".into(), "missing_column".into()),
            ],
        ),
        (
            format!("{HEADER}{}", row(2, "会员单位", "2019-02-30")),
            vec![(2, "joined".into(), "invalid_date".into())],
        ),
        (
            format!("{HEADER}{}", row(3, "名誉单位", "2019-02-03")),
            vec![(2, "category".into(), "unknown_category".into())],
        ),
        (
            format!(
                "{HEADER}{}{}",
                row(4, "会员单位", "2019-02-03"),
                row(4, "理事单位", "2020-02-03")
            ),
            vec![(3, "name".into(), "duplicate_in_file".into())],
        ),
        (
            format!("{HEADER}{}", row(1, "理事单位", "2019-02-03")),
            vec![(2, "name".into(), "duplicate_existing".into())],
        ),
    ];
    for (file, want) in cases {
        let (status, p) = send(app, &sec, &preview, file.clone().into_bytes()).await;
        assert_eq!(status, 200, "{p}");
        let got = problems(&p);
        for w in &want {
            let found = got
                .iter()
                .any(|g| g.2 == w.2 && (w.1.is_empty() || (g.0, &g.1) == (w.0, &w.1)));
            assert!(found, "{file:?}: want {w:?}, got {got:?}");
        }
        let (status, e) = send(app, &sec, &import, file.clone().into_bytes()).await;
        assert_eq!(status, 422, "{file:?}: {e}");
        assert_eq!(e["error"]["fields"][0]["code"], "invalid_rows", "{e}");
        assert_eq!(
            (app.snapshot().await, member_names(app).await),
            before,
            "{file:?} changed the registry"
        );
    }

    // Files refused as a whole, with the file's own code.
    for (file, code) in [
        (Vec::new(), "empty_file"),
        (HEADER.as_bytes().to_vec(), "empty_file"),
        (two_sheets(), "several_sheets"),
    ] {
        for path in [&preview, &import] {
            let (status, e) = send(app, &sec, path, file.clone()).await;
            assert_eq!(status, 422, "{code}: {e}");
            assert_eq!(e["error"]["fields"][0]["field"], "file", "{e}");
            assert_eq!(e["error"]["fields"][0]["code"], code, "{e}");
            assert!(
                e["error"]["message"].as_str().unwrap().contains(code),
                "{e}"
            );
        }
        assert_eq!((app.snapshot().await, member_names(app).await), before);
    }
    // The several sheets' message names them; with a sheet chosen, that sheet imports.
    let (_, p) = send(app, &sec, &preview, two_sheets()).await;
    assert_eq!(p["error"]["fields"][0]["code"], "several_sheets");
    let (status, rep) = send(
        app,
        &sec,
        &format!("{import}?sheet=%E4%BC%9A%E5%91%98%E5%8D%95%E4%BD%8D"),
        two_sheets(),
    )
    .await;
    assert_eq!((status, rep["imported"].as_i64()), (200, Some(1)), "{rep}");
    assert!(
        member_names(app)
            .await
            .contains(&"重庆上传50科技有限公司".into())
    );

    // A GBK CSV, as Excel saves it on a Chinese Windows, is read correctly.
    let text = format!("{HEADER}{}", row(7, "理事单位", "2018年3月1日"));
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(&text);
    assert!(!unmappable && std::str::from_utf8(&gbk).is_err());
    let (status, rep) = send(app, &sec, &import, gbk.into_owned()).await;
    assert_eq!((status, rep["imported"].as_i64()), (200, Some(1)), "{rep}");
    let m = app
        .store
        .list_memberships(home, &Default::default(), federa_store::Page::new(0, 500))
        .await
        .unwrap()
        .items
        .into_iter()
        .find(|m| m.member.name == "重庆上传7科技有限公司")
        .expect("the GBK row, its name read correctly");
    assert_eq!(m.category, "council_unit");
    assert_eq!(m.joined, "2018-03-01");
    assert_eq!(m.member.district.as_deref(), Some("渝北区"));
}

/// A CSV of at least `bytes` bytes, its rows numbered from `from`; and the last number.
fn list_of(bytes: usize, from: u32) -> (String, u32) {
    let mut file = HEADER.to_string();
    let mut i = from;
    while file.len() < bytes {
        file.push_str(&row(i, "会员单位", "2019-02-03"));
        i += 1;
    }
    (file, i - from)
}

/// Large bodies (on SQLite only; the limits are the web layer's): a 1 MB list imports through
/// the API and the import page; a file over the import's limit and a body over the route's
/// limit are refused, naming the limit, with the registry as it was; a circular takes an
/// attachment larger than the ordinary body limit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_uploads_import_or_are_refused_naming_the_limit() {
    let app = TestApp::sqlite().await;
    setup(&app).await;
    let home = app.home;
    let sec = format!("Bearer {}", app.token("sec").await);
    let import = format!("/api/organisations/{home}/import");

    // 1 MB through the API.
    let (file, rows) = list_of(1 << 20, 1);
    assert!(file.len() > federa_web::BODY_LIMIT);
    let (status, rep) = send(&app, &sec, &import, file.into_bytes()).await;
    assert_eq!(status, 200, "{rep}");
    assert_eq!(rep["imported"].as_u64(), Some(u64::from(rows)));

    // 1 MB through the import page, as its script sends it (the token as a header).
    let (page, csrf) = app.signed_in("sec").await;
    let (file, more) = list_of(1 << 20, 100_000);
    let r = page
        .post(app.url(&format!("/organisations/{home}/import?action=all")))
        .header("x-csrf-token", &csrf)
        .header("content-type", "application/octet-stream")
        .body(file.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains(&format!(": {more} ")), "{html}");
    // Without the token, an upload is refused.
    let r = page
        .post(app.url(&format!("/organisations/{home}/import?action=all")))
        .header("content-type", "application/octet-stream")
        .body(format!("{HEADER}{}", row(99, "会员单位", "2019-02-03")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let count = app
        .store
        .list_memberships(home, &Default::default(), federa_store::Page::new(0, 1))
        .await
        .unwrap()
        .total;
    assert_eq!(count, u64::from(rows + more));

    // Over the import's own limit (50 MiB): refused as file_too_large, naming the limit.
    let before = app.snapshot().await;
    let (big, _) = list_of(MAX_FILE_BYTES + 1, 200_000);
    assert!(big.len() < UPLOAD_LIMIT);
    let (status, e) = send(&app, &sec, &import, big.clone().into_bytes()).await;
    assert_eq!(status, 422, "{e}");
    assert_eq!(e["error"]["fields"][0]["code"], "file_too_large");
    assert_eq!(e["error"]["fields"][0]["limit"], MAX_FILE_BYTES);
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains(&MAX_FILE_BYTES.to_string()),
        "{e}"
    );
    let r = page
        .post(app.url(&format!("/organisations/{home}/import?action=preview")))
        .header("x-csrf-token", &csrf)
        .header("accept-language", "en")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("The file is larger than the limit of 50 MiB"),
        "{html}"
    );
    assert_eq!(app.snapshot().await, before);

    // Anonymous callers' uploads are not read at all.
    let r = app
        .client()
        .post(app.url(&import))
        .body(format!("{HEADER}{}", row(98, "会员单位", "2019-02-03")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(app.snapshot().await, before);

    // Over the route's limit (64 MiB): refused from the declared length, before the body is
    // sent (the client waits for 100 Continue, which never comes).
    let addr = app.url("").trim_start_matches("http://").to_string();
    let head = format!(
        "POST {import} HTTP/1.1\r\nHost: localhost\r\nAuthorization: {sec}\r\n\
         Content-Type: text/csv\r\nContent-Length: {}\r\nExpect: 100-continue\r\n\
         Connection: close\r\n\r\n",
        UPLOAD_LIMIT + 1
    );
    let answer = tokio::task::spawn_blocking(move || {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        s.write_all(head.as_bytes()).unwrap();
        let mut answer = Vec::new();
        s.read_to_end(&mut answer).unwrap();
        answer
    })
    .await
    .unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    let body: Value = serde_json::from_str(answer.split("\r\n\r\n").nth(1).unwrap()).unwrap();
    assert_eq!(body["error"]["code"], "file_too_large");
    assert_eq!(body["error"]["field"], "file");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains(&format!("{UPLOAD_LIMIT} bytes, 64 MiB")),
        "{body}"
    );
    assert_eq!(app.snapshot().await, before);

    // A circular with a 1 MB attachment, through the multipart form.
    let attachment = vec![b'x'; 1 << 20];
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf.clone())
        .text("title", "关于报送年度材料的通知")
        .text("body", "请见附件。")
        .part(
            "attachment",
            crate::support::text_attachment(attachment.clone(), "材料.txt"),
        );
    let r = app
        .post_multipart(&page, &format!("/organisations/{home}/circulars"), form)
        .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let list = app.store.list_circulars(home).await.unwrap();
    assert_eq!(list.len(), 1);
    let rec = app.store.get_circular(list[0].id).await.unwrap();
    assert_eq!(rec.attachments.len(), 1);
    let (_, content) = app
        .store
        .circular_attachment(rec.id, rec.attachments[0].id)
        .await
        .unwrap();
    assert_eq!(content, attachment);
    // The form without its token is refused.
    let form = reqwest::multipart::Form::new()
        .text("title", "x")
        .text("body", "y")
        .part("attachment", reqwest::multipart::Part::bytes(b"z".to_vec()));
    let r = app
        .post_multipart(&page, &format!("/organisations/{home}/circulars"), form)
        .await;
    assert_eq!(r.status(), 403);
    assert_eq!(app.store.list_circulars(home).await.unwrap().len(), 1);
    app.finish().await;
}

/// Headless Chromium on the import page: a file over the limit is refused by the page itself,
/// naming the limit, without being sent (the server would name its own, larger, limit).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_refuses_a_file_over_the_limit_without_sending_it() {
    use crate::support::{chromium_signed_in, click, type_into};
    use fantoccini::Locator;

    let app = TestApp::sqlite().await;
    setup(&app).await;
    let (b, _driver) = chromium_signed_in(&app, "sec").await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("members.csv");
    let f = std::fs::File::create(&path).unwrap();
    f.set_len(UPLOAD_LIMIT as u64 + 1).unwrap();
    drop(f);
    let before = app.snapshot().await;
    b.goto(&app.url(&format!("/lang/en?back=/organisations/{}/import", app.home)))
        .await
        .unwrap();
    type_into(&b, "file", &path.display().to_string()).await;
    click(&b, "#preview").await;
    let err = b
        .wait()
        .for_element(Locator::Id("import-error"))
        .await
        .unwrap();
    let text = err.text().await.unwrap();
    assert_eq!(
        text,
        "The file is larger than the limit of 50 MiB; nothing was imported."
    );
    assert_eq!(app.snapshot().await, before);
    b.close().await.unwrap();
    app.finish().await;
}
