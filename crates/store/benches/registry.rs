//! The member registry's figures on both databases: importing 100,000 member rows through the
//! store (one transaction; each table's rows of a 5,000-row batch in one insert from a JSON
//! array), and member search on a registry of 1,000,000 members (p50/p99 over a mix of queries).
//!
//! `cargo bench -p federa-store --bench registry` (release build). PostgreSQL comes from
//! `FEDERA_TEST_POSTGRES` (default `postgres://postgres@127.0.0.1:5432/test`), in a fresh
//! schema dropped afterwards. `REGISTRY_BENCH_MEMBERS` sets the search registry's size and
//! `REGISTRY_BENCH_DB` (`sqlite`, `postgres`) runs one database only.
//!
//! Import of 100,000 rows, from `REGISTRY_BENCH_DB=sqlite REGISTRY_BENCH_MEMBERS=1000 cargo
//! bench -p federa-store --bench registry` (and `=postgres`), three runs each, the previous
//! code (9200779) and this one in the same minutes on one machine (2 cores of an AMD EPYC at
//! 2.0 GHz; `cargo run --release -p federa-tally --example phases` runs 1.4 to 1.6 times slower
//! here than on the machine of the figures further down, and this import 2.7 times slower):
//!
//! | code                                       | SQLite wall        | SQLite CPU  | PostgreSQL    |
//! |--------------------------------------------|--------------------|-------------|---------------|
//! | 9200779 (0007, checkpoint in the commit)   | 8.70 / 8.79 / 9.09 | 7.91–8.38 s | 29.97 / 31.36 |
//! | 0008, checkpoint on the store's task       | 6.94 / 6.98 / 6.99 | 6.90–6.97 s | 27.81 / 30.97 |
//! | 0009, PostgreSQL's statement triggers      | (unchanged)        |             | 22.97 / 23.73 |
//!
//! The import now returns 1.27 times sooner on SQLite: its commit no longer copies the log into
//! the database file (the store's task does that a moment later, 1.03 to 1.07 s, printed as
//! the import's log checkpoint), the batches read back the new ids as one JSON value instead
//! of a result row each (about 0.3 s for memberships and 0.3 s for people), and migration 0008
//! writes fewer index entries. Of the remaining time, by timing each statement (sums over the
//! 20 batches, two runs): the file's checks 0.56 s, organisations 1.0 s, their trigram index
//! 0.34 s, memberships 3.3 to 3.4 s (ten indexes, each search index about 0.2 s, and the
//! category check's trigger), first status changes 0.30 s, people 0.58 s, reading back the new
//! ids and linking the representatives 0.47 s, the commit's writes to the log 0.27 s. Rebuilding
//! the membership indexes after the rows instead of keeping them row by row saved only 0.6 s,
//! and a 16 KiB page about 10% of the CPU; neither was kept. On PostgreSQL, migration 0009
//! checks the categories and records the first status changes once per insert statement instead
//! of once per row (memberships took 16.8 s of 28.6 before it).
//!
//! Earlier, on the faster machine (load 1.2–2): migration 0007 (the SQLite import writes its
//! rows' first status changes and text index one statement a batch instead of a trigger a row)
//! measured 3.20–3.37 s wall, 3.16–3.33 s CPU (three runs), against 3.48–3.67 s wall and
//! 3.45–3.67 s CPU for migration 0006 in the same minutes. Migration 0006 (the import writes the
//! members' search copies itself) had measured 3.28–3.59 s wall, 3.19–3.47 s CPU on SQLite and
//! PostgreSQL 15 9.26 s wall, 0.47 s CPU of the bench process, about 10.6 s CPU of the
//! server's processes over the whole run. Migration 0005 had made it 11.34 s on SQLite and
//! 28.23 s on PostgreSQL: a trigger updated every new membership and its seven search indexes
//! once more. Of SQLite's time before 0007, about 1.35 s wrote memberships, 0.45 s
//! organisations (with their trigram index), 0.31 s people, 0.54 s the audit event and commit
//! (the log's checkpoint, which the commit then started once the log passed SQLite's 1,000
//! pages), 0.25 s the file's checks.
//!
//! Search at 1,000,000 members on the slower machine above, from
//! `REGISTRY_BENCH_DB=sqlite REGISTRY_BENCH_MEMBERS=1000000 cargo bench -p federa-store --bench
//! registry` and the same with `REGISTRY_BENCH_DB=postgres` (PostgreSQL 15), p50 / p99 in ms,
//! before (9200779's search, after migration 0008) and after a common text skips the trigram
//! count on SQLite, and the lower-casing of every name it reads on PostgreSQL when it has no
//! case (Chinese):
//!
//! | query                     | SQLite before | SQLite after | PostgreSQL before | after        |
//! |---------------------------|---------------|--------------|-------------------|--------------|
//! | first page by name        | 2.87 / 3.74   | 1.77 / 3.56  | 5.02 / 8.57       | 4.78 / 8.35  |
//! | district + category       | 0.76 / 2.90   | 0.49 / 0.96  | 1.68 / 3.46       | 1.50 / 3.07  |
//! | vice-presidents by joined | 2.64 / 4.56   | 2.22 / 3.22  | 5.47 / 15.89      | 5.25 / 8.00  |
//! | name contains (rare)      | 2.29 / 7.23   | 1.99 / 4.11  | 6.23 / 9.06       | 5.71 / 6.91  |
//! | name contains (common)    | 8.32 / 11.45  | 3.99 / 4.53  | 13.92 / 17.16     | 7.11 / 12.89 |
//! | page 100 by name          | 4.03 / 4.71   | 1.79 / 2.77  | 5.39 / 7.21       | 5.42 / 6.35  |
//! | all queries               | 2.70 / 10.07  | 1.97 / 4.33  | 5.52 / 15.82      | 5.34 / 9.92  |
//!
//! The SQLite "after" run also copies the filled registry's log into the database file before
//! the searches, as the store's task would during them (one run each).
//!
//! Earlier, on the faster machine: search at 1,000,000 members (migration 0005), from
//! `REGISTRY_BENCH_DB=sqlite REGISTRY_BENCH_MEMBERS=1000000 cargo bench -p federa-store --bench
//! registry` and the same with `REGISTRY_BENCH_DB=postgres` (PostgreSQL 15), p50 / p99 in ms:
//!
//! | query                     | SQLite        | PostgreSQL    |
//! |---------------------------|---------------|---------------|
//! | first page by name        | 0.96 / 2.57   | 2.52 / 7.58   |
//! | district + category       | 0.31 / 0.68   | 0.93 / 1.92   |
//! | vice-presidents by joined | 1.36 / 5.48   | 2.29 / 6.27   |
//! | name contains (rare)      | 0.99 / 3.37   | 2.91 / 7.00   |
//! | name contains (common)    | 2.50 / 2.93   | 5.08 / 7.50   |
//! | page 100 by name          | 1.05 / 1.48   | 2.79 / 3.64   |
//! | all queries               | 1.08 / 2.93   | 2.73 / 7.00   |
//!
//! Before migration 0005 the same queries took up to 33.9 s on SQLite (first page by name) and
//! 2.2 s on PostgreSQL (a rare name part). A text that many members contain costs the most:
//! the count reads up to `COUNT_CAP` matches. PostgreSQL tests such a text (common in a sample
//! of the members) on the membership's copy of the name, as SQLite does; before, it read each
//! member's organisation (9.77 / 11.85 ms). Texts of one or two characters cannot use the
//! trigram indexes and read members until the page and the count are full.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use federa_core::registry::search::MemberQueryInput;
use federa_core::registry::{Category, ImportMode, ImportOptions};
use federa_store::{Actor, OrgInput, Store};

const DISTRICTS: [&str; 8] = [
    "渝中区",
    "江北区",
    "渝北区",
    "南岸区",
    "九龙坡区",
    "沙坪坝区",
    "巴南区",
    "北碚区",
];
const SECTORS: [&str; 6] = [
    "网络媒体",
    "电子商务",
    "软件和信息服务",
    "高等院校",
    "电信运营",
    "网络安全",
];
const CATEGORIES: [&str; 3] = ["副会长单位", "理事单位", "会员单位"];

/// `n` member rows starting at `from`, in the import template's columns.
fn csv(from: usize, n: usize) -> Vec<u8> {
    let mut s = String::with_capacity(n * 120);
    s.push_str(
        "单位名称,简称,类型,统一社会信用代码,区县,行业,会员类别,入会日期,成立日期,代表,电话,邮箱\n",
    );
    for i in from..from + n {
        s.push_str(&format!(
            "重庆第{i}号网络科技有限公司,第{i}号,企业,,{},{},{},{}-{:02}-{:02},,代表{},023-{:08},m{i}@example.cn\n",
            DISTRICTS[i % DISTRICTS.len()],
            SECTORS[(i / 7) % SECTORS.len()],
            CATEGORIES[if i % 50 == 0 { 0 } else if i % 10 == 0 { 1 } else { 2 }],
            2000 + i % 25,
            1 + i % 12,
            1 + i % 28,
            i % 1000,
            i % 100_000_000,
        ));
    }
    s.into_bytes()
}

async fn fresh(kind: &str, dir: &tempfile::TempDir) -> (Store, Option<String>) {
    match kind {
        "sqlite" => {
            let url = format!(
                "sqlite://{}?mode=rwc",
                dir.path().join("bench.db").display()
            );
            (Store::connect(&url).await.unwrap(), None)
        }
        _ => {
            let base = std::env::var("FEDERA_TEST_POSTGRES")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
            let schema = format!("bench_registry_{}", std::process::id());
            let sep = if base.contains('?') { '&' } else { '?' };
            let store = Store::connect(&format!("{base}{sep}schema={schema}"))
                .await
                .unwrap();
            (store, Some(schema))
        }
    }
}

async fn association(store: &Store, name: &str) -> i64 {
    let a = store
        .create_organisation(
            Actor::System,
            &OrgInput {
                name: name.into(),
                kind: "association".into(),
                ..OrgInput::default()
            },
        )
        .await
        .unwrap();
    let cats: Vec<Category> = CATEGORIES
        .iter()
        .enumerate()
        .map(|(i, n)| Category {
            key: format!("c{i}"),
            name: (*n).into(),
            name_en: None,
            rank: i as u16,
            annual_dues_fen: 100_000,
        })
        .collect();
    store
        .define_categories(Actor::System, a.id, &cats)
        .await
        .unwrap();
    a.id
}

/// `CASE expr WHEN 0 THEN values[0] ... END`.
fn case_of(expr: &str, values: &[&str]) -> String {
    let arms: String = values
        .iter()
        .enumerate()
        .map(|(i, v)| format!(" WHEN {i} THEN '{v}'"))
        .collect();
    format!("CASE {expr}{arms} END")
}

/// Members `from..to` of association `a` as `csv` would import them, in one statement per
/// table (triggers keep the search copies, the trigram index and the history as for any write).
async fn fill(store: &Store, kind: &str, a: i64, from: usize, to: usize) {
    let series = match kind {
        "sqlite" => format!(
            "WITH RECURSIVE g(i) AS (SELECT {from} UNION ALL SELECT i + 1 FROM g WHERE i < {}) ",
            to - 1
        ),
        _ => format!("WITH g(i) AS (SELECT generate_series({from}, {})) ", to - 1),
    };
    let two = |e: &str| format!("CASE WHEN {e} < 10 THEN '0' ELSE '' END || ({e})");
    store
        .execute_unaudited(&format!(
            "{series}INSERT INTO organisations (name, short_name, kind, district, sector, status, \
             public, created_at, updated_at) SELECT '重庆第' || i || '号网络科技有限公司', \
             '第' || i || '号', 'company', {}, {}, 'active', 0, '2026-01-01T00:00:00Z', \
             '2026-01-01T00:00:00Z' FROM g",
            case_of("i % 8", &DISTRICTS),
            case_of("(i / 7) % 6", &SECTORS),
        ))
        .await
        .unwrap();
    store
        .execute_unaudited(&format!(
            "{series}INSERT INTO memberships (organisation_id, member_id, category, joined, \
             status, created_at, updated_at) SELECT {a}, o.id, CASE WHEN i % 50 = 0 THEN 'c0' \
             WHEN i % 10 = 0 THEN 'c1' ELSE 'c2' END, (2000 + i % 25) || '-' || {} || '-' || {}, \
             'admitted', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z' FROM g \
             JOIN organisations o ON o.name = '重庆第' || i || '号网络科技有限公司'",
            two("1 + i % 12"),
            two("1 + i % 28"),
        ))
        .await
        .unwrap();
}

/// CPU time (user + system) this process has used, from `/proc/self/stat` (Linux; `None`
/// elsewhere): on SQLite the import's own cost, whatever else loads the machine.
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which ends with the last ')': utime and stime are the
    // 14th and 15th fields, in clock ticks (USER_HZ, 100 on Linux).
    let rest = &stat[stat.rfind(')')? + 2..];
    let mut fields = rest.split(' ').skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(Duration::from_millis((utime + stime) * 10))
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

async fn run(kind: &str, members: usize) {
    let dir = tempfile::tempdir().unwrap();
    let (store, schema) = fresh(kind, &dir).await;
    let today = time::macros::date!(2026 - 01 - 01);

    // 1. Import 100,000 rows in one transaction.
    let a = association(&store, "导入基准协会").await;
    let file = csv(0, 100_000);
    let t = Instant::now();
    let preview = store
        .preview_member_import(a, &file, &ImportOptions::default(), today)
        .await
        .unwrap();
    let preview_time = t.elapsed();
    assert!(
        preview.is_clean(),
        "{:?}",
        &preview.problems[..preview.problems.len().min(3)]
    );
    let t = Instant::now();
    let cpu = cpu_time();
    let report = store
        .import_members(
            Actor::System,
            a,
            &file,
            &ImportOptions::default(),
            ImportMode::AllOrNothing,
            today,
            &|_, _| {},
        )
        .await
        .unwrap();
    let import_time = t.elapsed();
    let import_cpu = cpu
        .zip(cpu_time())
        .map_or("n/a".to_string(), |(before, after)| {
            format!("{:.2} s", (after - before).as_secs_f64())
        });
    assert_eq!(report.imported, 100_000);
    println!(
        "{kind:8} import 100,000 rows ({:.1} MB): preview {:.2} s, import (checks + writes, one transaction) {:.2} s, CPU of this process {import_cpu}",
        file.len() as f64 / 1e6,
        preview_time.as_secs_f64(),
        import_time.as_secs_f64()
    );
    if kind == "sqlite" {
        // The log checkpoint the store's own task would run a moment after the commit: copying
        // the import's pages from the log into the database file.
        let t = Instant::now();
        store.checkpoint().await.unwrap();
        println!(
            "{kind:8} the import's log checkpoint (on the store's task, after the import returns) {:.2} s",
            t.elapsed().as_secs_f64()
        );
    }

    // 2. Search on a registry of `members` members: the 100,000 above plus rows written by SQL
    // (the same names, districts, sectors, categories and dates as `csv`); on PostgreSQL then
    // the VACUUM ANALYZE that autovacuum runs after a bulk load (statistics, visibility map).
    let t = Instant::now();
    if members > 100_000 {
        fill(&store, kind, a, 100_000, members).await;
    }
    if kind == "postgres" {
        store.execute_unaudited("VACUUM ANALYZE").await.unwrap();
    }
    // On SQLite, the log's copy into the database file, which the store's task would otherwise
    // make while the first searches run.
    store.checkpoint().await.unwrap();
    println!(
        "{kind:8} filled the registry to {} members in {:.1} s",
        members.max(100_000),
        t.elapsed().as_secs_f64()
    );
    let q = |q: Option<&str>,
             district: Option<&str>,
             category: Option<&str>,
             status: Option<&str>,
             sort: Option<&str>,
             page: u32| {
        MemberQueryInput {
            q: q.map(Into::into),
            district: district.map(Into::into),
            sector: None,
            category: category.map(Into::into),
            status: status.map(Into::into),
            sort: sort.map(Into::into),
            order: None,
            page: Some(page),
            page_size: Some(20),
        }
        .validate()
        .unwrap()
    };
    let mix = [
        ("first page by name", q(None, None, None, None, None, 1)),
        (
            "district + category",
            q(
                None,
                Some("江北区"),
                Some("理事单位"),
                Some("admitted"),
                None,
                1,
            ),
        ),
        (
            "vice-presidents by joined",
            q(None, None, Some("副会长单位"), None, Some("joined"), 3),
        ),
        (
            "name contains (rare)",
            q(Some("第123457号"), None, None, None, None, 1),
        ),
        (
            "name contains (common)",
            q(Some("网络科技"), None, None, None, None, 1),
        ),
        ("page 100 by name", q(None, None, None, None, None, 100)),
    ];
    let rounds = 40;
    let mut all = Vec::new();
    for (label, query) in &mix {
        let mut times = Vec::with_capacity(rounds);
        for _ in 0..rounds {
            let t = Instant::now();
            let page = store.search_members(a, query).await.unwrap();
            times.push(t.elapsed());
            assert!(page.items.len() <= 20);
        }
        times.sort();
        println!(
            "{kind:8} search {label:28} p50 {:7.2} ms  p99 {:7.2} ms",
            pct(&times, 0.5).as_secs_f64() * 1e3,
            pct(&times, 0.99).as_secs_f64() * 1e3
        );
        all.extend(times);
    }
    all.sort();
    println!(
        "{kind:8} search, all queries ({} runs):  p50 {:7.2} ms  p99 {:7.2} ms",
        all.len(),
        pct(&all, 0.5).as_secs_f64() * 1e3,
        pct(&all, 0.99).as_secs_f64() * 1e3
    );
    if let Some(s) = schema {
        store
            .execute_unaudited(&format!("DROP SCHEMA \"{s}\" CASCADE"))
            .await
            .unwrap();
    }
    store.close().await;
}

fn main() {
    let members: usize = std::env::var("REGISTRY_BENCH_MEMBERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let only = std::env::var("REGISTRY_BENCH_DB").ok();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    for kind in ["sqlite", "postgres"] {
        if only.as_deref().is_some_and(|o| o != kind) {
            continue;
        }
        rt.block_on(run(kind, members));
    }
}
