//! `federa tally` end to end: the built binary on the shared test data.

use std::path::PathBuf;
use std::process::{Command, Output};

fn testdata(rel: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/tally")).join(rel)
}

fn tally(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_federa"))
        .arg("tally")
        .args(args)
        .output()
        .unwrap()
}

fn json(file: &str, method: &str, extra: &[&str]) -> serde_json::Value {
    let path = testdata(file);
    let mut args = vec![path.to_str().unwrap(), "--method", method, "--json"];
    args.extend_from_slice(extra);
    let out = tally(&args);
    assert!(
        out.status.success(),
        "{file} {method}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn elected(v: &serde_json::Value) -> Vec<String> {
    let mut names: Vec<String> = v["elected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap().to_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn every_method_answers_json_with_names_and_rounds() {
    let cases: &[(&str, &str, &[&str], &[&str])] = &[
        ("reference/tennessee.blt", "schulze", &[], &["Nashville"]),
        ("reference/tennessee.blt", "plurality", &[], &["Memphis"]),
        ("reference/tennessee.blt", "irv", &[], &["Knoxville"]),
        ("reference/tennessee.blt", "borda", &[], &["Nashville"]),
        (
            "reference/schulze_wikipedia_45.blt",
            "irv",
            &["--tie", "all-tied"],
            &["A"],
        ),
        (
            "reference/schulze_wikipedia_45.blt",
            "irv",
            &["--tie", "lot", "--seed", "3"],
            &["C"],
        ),
        (
            "preflib/00002-00000005.soi",
            "schulze",
            &[],
            &["Sam Hocevar"],
        ),
        (
            "preflib/00002-00000007.soi",
            "schulze",
            &[],
            &["Stefano Zacchiroli"],
        ),
        (
            "reference/SC.blt",
            "meek",
            &[],
            &[
                "Kristen Olsen",
                "Pat LaMarche",
                "Rebecca Rotzler",
                "Steve Kramer",
            ],
        ),
        (
            "reference/SC-Vm-12.blt",
            "scottish-stv",
            &[],
            &["A", "B", "Z"],
        ),
        (
            "reference/SC-Vm-12.blt",
            "meek",
            &["--arithmetic", "rational"],
            &["A", "B", "X"],
        ),
        (
            "reference/tennessee.blt",
            "approval",
            &["--seats", "4"],
            &["Chattanooga", "Knoxville", "Memphis", "Nashville"],
        ),
    ];
    for &(file, method, extra, want) in cases {
        let v = json(file, method, extra);
        assert_eq!(elected(&v), want, "{file} {method} {extra:?}");
        assert!(
            !v["rounds"].as_array().unwrap().is_empty(),
            "{file} {method}"
        );
        let first = &v["rounds"][0]["tallies"][0];
        assert!(first["candidate"].is_string(), "{file} {method}: {first}");
    }
    // Approval on ranked ballots: every ballot ranks all four, so with one seat all are void;
    // allowing extra marks and no threshold, all four tie and a further vote is needed.
    let v = json("reference/tennessee.blt", "approval", &[]);
    assert_eq!(v["set_aside"][0]["count"], 100);
    let v = json(
        "reference/tennessee.blt",
        "approval",
        &["--allow-extra-marks", "--threshold", "none"],
    );
    assert_eq!(elected(&v), Vec::<String>::new());
    assert!(
        v["notes"][0].as_str().unwrap().contains("further vote"),
        "{v}"
    );
    let v = json(
        "reference/tennessee.blt",
        "approval",
        &["--allow-extra-marks", "--ties-by-lot", "--seed", "5"],
    );
    assert_eq!(v["elected"].as_array().unwrap().len(), 1);
    assert_eq!(v["seed"], 5);
    let v = json("reference/schulze_wikipedia_45.blt", "schulze", &[]);
    assert_eq!(
        v["order"],
        serde_json::json!([["E"], ["A"], ["C"], ["B"], ["D"]])
    );
    assert_eq!(v["seed"], 0);
}

#[test]
fn wigm_counts() {
    let v = json("reference/M135.blt", "wigm", &[]);
    assert_eq!(v["elected"].as_array().unwrap().len(), 7);
}

#[test]
fn irv_on_minneapolis_2017_elects_jacob_frey_and_reports_what_was_set_aside() {
    let v = json(
        "minneapolis2017/2017_minneapolis_mayor_cvr.xlsx",
        "irv",
        &[],
    );
    assert_eq!(elected(&v), ["Jacob Frey"]);
    let reasons: Vec<&str> = v["set_aside"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["reason"].as_str().unwrap())
        .collect();
    assert!(
        reasons.iter().any(|r| r.contains("undervote")),
        "{reasons:?}"
    );
    assert!(
        reasons.iter().any(|r| r.contains("overvote")),
        "{reasons:?}"
    );
    assert!(
        reasons.iter().any(|r| r.contains("exhausted")),
        "{reasons:?}"
    );
}

#[test]
fn the_readable_report_shows_rounds() {
    let path = testdata("reference/schulze_wikipedia_45.blt");
    let out = tally(&[path.to_str().unwrap(), "--method", "irv"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("Elected: C"), "{text}");
    assert!(text.contains("Round 3"), "{text}");
    assert!(text.contains("B and E tied for the fewest votes"), "{text}");
}

#[test]
fn bad_input_gets_a_clear_error() {
    let dir = std::env::temp_dir().join(format!("federa-tally-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.blt");
    std::fs::write(&bad, "3 1\n1 1 7 0\n0\n\"A\"\n\"B\"\n\"C\"\n\"T\"\n").unwrap();
    let out = tally(&[bad.to_str().unwrap(), "--method", "irv"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 2, column 5"), "{err}");
    assert!(err.contains("1 to 3"), "{err}");

    let unknown = dir.join("ballots.txt");
    std::fs::write(&unknown, "x").unwrap();
    let out = tally(&[unknown.to_str().unwrap(), "--method", "irv"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--format"));

    let out = tally(&["/nonexistent/file.blt", "--method", "irv"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/file.blt"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn csv_records_and_an_explicit_format() {
    let dir = std::env::temp_dir().join(format!("federa-tally-csv-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let csv = dir.join("records.txt");
    std::fs::write(
        &csv,
        "Precinct,1st Choice,2nd Choice,3rd Choice\n\
         P1,Ann,Bob,undervote\nP1,Ann,overvote,Bob\nP2,Bob,Ann,\nP2,Cy,Bob,\n\
         P3,undervote,undervote,undervote\nP3,Cy,Ann,Bob\n",
    )
    .unwrap();
    let out = tally(&[
        csv.to_str().unwrap(),
        "--method",
        "irv",
        "--format",
        "csv",
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // First round: Ann 2, Bob 1, Cy 2; Bob is excluded and his ballot goes to Ann.
    assert_eq!(elected(&v), ["Ann"]);
    assert_eq!(v["set_aside"][0]["count"], 1);
    assert!(
        v["set_aside"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("undervote")
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
