//! `federa import members` end to end: the built binary on a fresh SQLite database.

use std::path::Path;
use std::process::Output;

use federa_core::registry::Category;
use federa_store::{Actor, OrgInput, Page, Store};

use crate::serve::{federa, sqlite_in};

const HEADER: &str =
    "单位名称,简称,类型,统一社会信用代码,区县,行业,会员类别,入会日期,成立日期,代表,电话,邮箱\n";

fn row(i: u32, category: &str, joined: &str) -> String {
    format!("重庆测试{i}科技有限公司,测试{i},企业,,渝中区,软件,{category},{joined},,代表{i},,\n")
}

fn import(dir: &Path, file: &Path, extra: &[&str]) -> Output {
    import_for("重庆市网络媒体协会", dir, file, extra)
}

/// `federa import members` of `file` into the organisation named `org`.
fn import_for(org: &str, dir: &Path, file: &Path, extra: &[&str]) -> Output {
    federa()
        .args(["import", "members"])
        .arg(file)
        .args(["--org", org, "--data-dir"])
        .arg(dir)
        .args(extra)
        .output()
        .unwrap()
}

async fn members(dir: &Path) -> u64 {
    let store = Store::connect(&sqlite_in(dir)).await.unwrap();
    let org = store
        .find_organisation_by_name("重庆市网络媒体协会")
        .await
        .unwrap()
        .unwrap();
    let n = store
        .list_memberships(org.id, &Default::default(), Page::new(0, 1))
        .await
        .unwrap()
        .total;
    store.close().await;
    n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imports_a_member_list_or_refuses_it_whole() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("data");
    std::fs::create_dir_all(&db).unwrap();
    {
        let store = Store::connect(&sqlite_in(&db)).await.unwrap();
        let org = store
            .create_organisation(
                Actor::System,
                &OrgInput {
                    name: "重庆市网络媒体协会".into(),
                    kind: "association".into(),
                    ..OrgInput::default()
                },
            )
            .await
            .unwrap();
        store
            .define_category(
                Actor::System,
                org.id,
                &Category {
                    key: "member_unit".into(),
                    name: "会员单位".into(),
                    name_en: None,
                    rank: 1,
                    annual_dues_fen: 100_000,
                },
            )
            .await
            .unwrap();
        store.close().await;
    }
    let file = dir.path().join("members.csv");
    std::fs::write(
        &file,
        format!(
            "{HEADER}{}{}{}",
            row(1, "会员单位", "2019-02-03"),
            row(2, "会员单位", "2019-02-30"),
            row(3, "名誉单位", "2019-02-03")
        ),
    )
    .unwrap();
    // A file with problems: every problem reported, nothing imported.
    let out = import(&db, &file, &[]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("row 3, column joined: invalid_date"), "{err}");
    assert!(
        err.contains("row 4, column category: unknown_category"),
        "{err}"
    );
    assert!(err.contains("nothing was imported"), "{err}");
    assert_eq!(members(&db).await, 0);
    // The valid rows only.
    let out = import(&db, &file, &["--valid-only"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("imported 1 members"), "{said}");
    assert!(said.contains("skipped 2 rows"), "{said}");
    assert_eq!(members(&db).await, 1);
    // An empty file and a GBK file.
    let empty = dir.path().join("empty.csv");
    std::fs::write(&empty, "").unwrap();
    let out = import(&db, &empty, &[]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("empty"));
    let gbk = dir.path().join("gbk.csv");
    let text = format!("{HEADER}{}", row(7, "会员单位", "2018年3月1日"));
    let (bytes, _, _) = encoding_rs::GBK.encode(&text);
    std::fs::write(&gbk, &bytes).unwrap();
    let out = import(&db, &gbk, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(members(&db).await, 2);
    // An unknown organisation.
    let out = import_for("没有这个协会", &db, &gbk, &[]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no organisation named"));
}
