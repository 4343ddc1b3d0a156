//! Both languages: the catalogues agree, Accept-Language and the visible switch pick one.

use federa_web::i18n::{Locale, keys};

use crate::both_databases;
use crate::support::TestApp;

#[test]
fn both_catalogues_have_the_same_keys() {
    let en = keys(Locale::En);
    let zh = keys(Locale::ZhCn);
    let only_en: Vec<_> = en.iter().filter(|k| !zh.contains(k)).collect();
    let only_zh: Vec<_> = zh.iter().filter(|k| !en.contains(k)).collect();
    assert!(
        only_en.is_empty() && only_zh.is_empty(),
        "only en: {only_en:?}; only zh-CN: {only_zh:?}"
    );
}

both_databases!(pages_speak_both_languages);

async fn pages_speak_both_languages(app: &TestApp) {
    let c = app.client();
    let get = |lang: &'static str| {
        let c = c.clone();
        let url = app.url(&format!("/organisations/{}", app.home));
        async move {
            c.get(url)
                .header("accept-language", lang)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    let en = get("en-GB,en;q=0.9").await;
    assert!(en.contains("<html lang=\"en\">"));
    assert!(en.contains("Member units"));
    let zh = get("zh-CN,zh;q=0.9,en;q=0.5").await;
    assert!(zh.contains("<html lang=\"zh-CN\">"));
    assert!(zh.contains("会员单位"));
    // The visible switch wins over Accept-Language.
    let r = app.get(&c, "/lang/en?back=/organisations").await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/organisations");
    let page = app.page_in(&c, "/organisations", "zh-CN").await;
    assert!(page.contains("<html lang=\"en\">") && page.contains("Organisations"));
    // An error page is translated too.
    let r = app.get_in(&c, "/organisations/999999", "zh-CN").await;
    assert_eq!(r.status(), 404);
    assert!(r.text().await.unwrap().contains("We could not find"));
}
