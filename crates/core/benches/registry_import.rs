//! Reading and checking a 100,000-row member list (issue 4 asks the whole import, store
//! included, to take at most 3 s on SQLite; this is the pure part).
//!
//! `cargo bench -p federa-core --bench registry_import`

use divan::Bencher;
use federa_core::registry::import::{self, HeaderLang};
use federa_core::registry::model::registration_number_with_check;
use federa_core::registry::{
    Category, ExistingMember, ExportFormat, ImportContext, ImportOptions, MemberRow,
};
use time::{Date, Duration, Month};

const ROWS: usize = 100_000;

fn main() {
    divan::main();
}

fn categories() -> Vec<Category> {
    ["副会长单位", "理事单位", "会员单位"]
        .iter()
        .enumerate()
        .map(|(i, n)| Category {
            key: format!("c{i}"),
            name: (*n).into(),
            name_en: None,
            rank: i as u16,
            annual_dues_fen: 100_000,
        })
        .collect()
}

fn rows() -> Vec<MemberRow> {
    const DISTRICTS: [&str; 5] = ["渝中区", "江北区", "南岸区", "九龙坡区", "沙坪坝区"];
    const SECTORS: [&str; 4] = ["软件和信息技术服务业", "电子商务", "网络媒体", "高等院校"];
    let base = Date::from_calendar_date(2000, Month::January, 1).unwrap_or(Date::MIN);
    (0..ROWS)
        .map(|i| MemberRow {
            row: 0,
            name: format!("重庆市第{i}号网络科技有限公司"),
            short_name: Some(format!("网络{i}")),
            kind: federa_core::org::OrgKind::Company,
            registration_number: registration_number_with_check(&format!("915001{i:011}")),
            district: Some(DISTRICTS[i % 5].into()),
            sector: Some(SECTORS[i % 4].into()),
            category: format!("c{}", i % 3),
            joined: base + Duration::days((i % 9000) as i64),
            founded: None,
            representative: Some("张三".into()),
            phone: Some(format!("023-{:08}", i)),
            email: Some(format!("m{i}@example.cn")),
        })
        .collect()
}

fn file(format: ExportFormat) -> Vec<u8> {
    import::export(&rows(), &categories(), format, HeaderLang::Zh).unwrap_or_default()
}

fn run(bencher: Bencher, bytes: Vec<u8>) {
    let cats = categories();
    let existing: Vec<ExistingMember> = (0..92)
        .map(|i| ExistingMember {
            name: format!("既有会员单位{i}"),
            registration_number: None,
        })
        .collect();
    let today = Date::from_calendar_date(2026, Month::November, 28).unwrap_or(Date::MIN);
    let ctx = ImportContext {
        categories: &cats,
        existing: &existing,
        today,
    };
    bencher.bench_local(|| {
        let p = import::preview(&bytes, &ImportOptions::default(), &ctx);
        assert!(p.as_ref().is_ok_and(|p| p.valid.len() == ROWS));
        p
    });
}

#[divan::bench(sample_count = 10)]
fn csv_100k(bencher: Bencher) {
    run(bencher, file(ExportFormat::Csv));
}

#[divan::bench(sample_count = 5)]
fn xlsx_100k(bencher: Bencher) {
    run(bencher, file(ExportFormat::Xlsx));
}

/// The reading half alone (decoding and splitting the CSV).
#[divan::bench(sample_count = 10)]
fn csv_100k_read_only(bencher: Bencher) {
    let bytes = file(ExportFormat::Csv);
    bencher.bench_local(|| import::read_table(&bytes, &ImportOptions::default()));
}
