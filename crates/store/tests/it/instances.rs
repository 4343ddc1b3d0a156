//! Several federa instances on one database: server instances sharing one store (one SQLite
//! file, or one PostgreSQL schema), and separate federations in separate PostgreSQL schemas.

use federa_store::{OrgFilter, Page, Store, StoreError};

use crate::support::{SYS, TestDb, fresh_schema, org, postgres_url};

/// Two stores opened on the same data write concurrently; the audit chain stays one line.
async fn two_instances_share_one_chain(db: &TestDb) {
    let second = Store::connect(&db.url).await.unwrap();
    let mut tasks = Vec::new();
    for (n, store) in [db.store.clone(), second.clone()].into_iter().enumerate() {
        for t in 0..4 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                for i in 0..8 {
                    store
                        .create_organisation(SYS, &org(&format!("Org {n}-{t}-{i}"), "company"))
                        .await
                        .unwrap();
                }
            }));
        }
    }
    for t in tasks {
        t.await.unwrap();
    }
    for store in [&db.store, &second] {
        let report = store.verify_audit_chain().await.unwrap();
        assert!(report.is_intact(), "{report:?}");
        assert_eq!(report.events, 64);
    }
    second.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_share_one_chain_sqlite() {
    let db = TestDb::sqlite().await;
    two_instances_share_one_chain(&db).await;
    db.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_share_one_chain_postgres() {
    let db = TestDb::postgres().await;
    two_instances_share_one_chain(&db).await;
    db.finish().await;
}

/// Each `?schema=` is its own federation: its own tables, migrations and audit chain.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_schemas_keep_instances_apart() {
    let base = postgres_url();
    let sep = if base.contains('?') { '&' } else { '?' };
    let (sa, sb) = (fresh_schema(), fresh_schema());
    let url_a = format!("{base}{sep}schema={sa}");
    let url_b = format!("{base}{sep}schema={sb}");
    // Two instances starting at once on a new schema both create and migrate it safely.
    let (a, a2) = tokio::join!(Store::connect(&url_a), Store::connect(&url_a));
    let (a, a2) = (a.unwrap(), a2.unwrap());
    let b = Store::connect(&url_b).await.unwrap();

    a.create_organisation(SYS, &org("Same name", "association"))
        .await
        .unwrap();
    b.create_organisation(SYS, &org("Same name", "association"))
        .await
        .unwrap();
    b.create_organisation(SYS, &org("Only in B", "association"))
        .await
        .unwrap();
    assert!(matches!(
        a2.create_organisation(SYS, &org("Same name", "company"))
            .await,
        Err(StoreError::Conflict { .. })
    ));
    let count = |s: &Store| {
        let s = s.clone();
        async move {
            s.list_organisations(&OrgFilter::default(), Page::default())
                .await
                .unwrap()
                .total
        }
    };
    assert_eq!(count(&a).await, 1);
    assert_eq!(count(&b).await, 2);
    assert_eq!(a.verify_audit_chain().await.unwrap().events, 1);
    assert_eq!(b.verify_audit_chain().await.unwrap().events, 2);

    for s in [&sa, &sb] {
        a.execute_unaudited(&format!("DROP SCHEMA \"{s}\" CASCADE"))
            .await
            .unwrap();
    }
    for s in [a, a2, b] {
        s.close().await;
    }
}

#[tokio::test]
async fn unknown_schemes_and_bad_schema_names_are_refused() {
    for url in [
        "mysql://root@localhost/db",
        "federa.db",
        "http://localhost/",
    ] {
        match Store::connect(url).await {
            Err(StoreError::UnsupportedUrl(_)) => {}
            other => panic!("{url}: expected UnsupportedUrl, got {other:?}"),
        }
    }
    let bad = format!("{}?schema=Robert'); DROP TABLE x;--", postgres_url());
    assert!(matches!(
        Store::connect(&bad).await,
        Err(StoreError::Invalid(_))
    ));
}

/// On a SQLite file no commit copies the log back into the database file; the store's own task
/// does, soon after a write.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_log_is_checkpointed_by_the_store_not_by_the_commit() {
    let db = TestDb::sqlite().await;
    let path = db.sqlite_file();
    let main_file = || std::fs::metadata(&path).unwrap().len();
    // Let the task copy back what the migrations wrote.
    db.store
        .create_organisation(SYS, &org("Settle", "company"))
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    let before = main_file();

    // About 8 MiB of new pages, far past the 1,000 pages at which SQLite's own automatic
    // checkpoint would have run inside this commit.
    db.store
        .execute_unaudited(
            "CREATE TABLE ballast AS WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL \
             SELECT i + 1 FROM g WHERE i < 2000) SELECT i, randomblob(4000) AS b FROM g",
        )
        .await
        .unwrap();
    assert_eq!(
        main_file(),
        before,
        "the commit checkpointed the log itself"
    );

    // A store write wakes the task, which copies the pages into the database file.
    db.store
        .create_organisation(SYS, &org("Wake", "company"))
        .await
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while main_file() < before + 2000 * 4000 {
        assert!(
            std::time::Instant::now() < deadline,
            "the log was not checkpointed: the database file stays at {} bytes",
            main_file()
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    db.finish().await;
}

/// `Store::checkpoint` copies the log into a SQLite file before it returns.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_checkpoint_on_demand_copies_the_log() {
    let db = TestDb::sqlite().await;
    let path = db.sqlite_file();
    db.store.checkpoint().await.unwrap();
    let before = std::fs::metadata(&path).unwrap().len();
    db.store
        .execute_unaudited(
            "CREATE TABLE ballast AS WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL \
             SELECT i + 1 FROM g WHERE i < 500) SELECT i, randomblob(4000) AS b FROM g",
        )
        .await
        .unwrap();
    db.store.checkpoint().await.unwrap();
    let after = std::fs::metadata(&path).unwrap().len();
    assert!(
        after >= before + 500 * 4000,
        "{before} bytes before, {after} after"
    );
    db.finish().await;
}
