//! Bar charts as SVG, drawn by plotters with only its SVG backend.
//!
//! plotters writes labels as SVG `<text>` that the browser sets in its own fonts, so Chinese
//! labels render wherever a CJK font is installed (the stylesheet's font list names them); no
//! font file is embedded or needed on the server. Its width estimate for text is rough, so the
//! axes leave generous room.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// A vertical bar chart of `bars` (label, value) with a title, as an SVG document.
pub fn bar_chart(title: &str, bars: &[(String, u64)]) -> Result<String, String> {
    let mut svg = String::new();
    let n = bars.len().max(1);
    let width = (120 + 70 * n as u32).clamp(360, 960);
    let height = 340u32;
    let max = bars.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1);
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let font = (
            "Noto Sans CJK SC, PingFang SC, Microsoft YaHei, sans-serif",
            16,
        )
            .into_font();
        let mut chart = ChartBuilder::on(&root)
            .caption(title, font.clone().resize(18.0))
            .margin(12)
            .x_label_area_size(48)
            .y_label_area_size(44)
            .build_cartesian_2d((0..n).into_segmented(), 0u64..(max + max / 5 + 1))
            .map_err(|e| e.to_string())?;
        let labels: Vec<String> = bars.iter().map(|(l, _)| l.clone()).collect();
        chart
            .configure_mesh()
            .disable_x_mesh()
            .y_label_style(font.clone().resize(13.0))
            .x_label_style(font.clone().resize(13.0))
            .x_labels(n)
            .x_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) => labels.get(*i).cloned().unwrap_or_default(),
                _ => String::new(),
            })
            .draw()
            .map_err(|e| e.to_string())?;
        let blue = RGBColor(11, 79, 138);
        chart
            .draw_series(
                Histogram::vertical(&chart)
                    .style(blue.filled())
                    .margin(8)
                    .data(bars.iter().enumerate().map(|(i, (_, v))| (i, *v))),
            )
            .map_err(|e| e.to_string())?;
        chart
            .draw_series(bars.iter().enumerate().map(|(i, (_, v))| {
                Text::new(
                    v.to_string(),
                    (SegmentValue::CenterOf(i), *v),
                    font.clone()
                        .resize(13.0)
                        .into_text_style(&root)
                        .pos(Pos::new(HPos::Center, VPos::Bottom)),
                )
            }))
            .map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn chinese_labels_are_written_as_text() {
        let svg = bar_chart(
            "按区县 <统计>",
            &[("渝中区".into(), 12), ("江北区".into(), 7)],
        )
        .unwrap();
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("渝中区"));
        assert!(svg.contains("江北区"));
        assert!(svg.contains("&lt;统计&gt;"), "text is escaped");
        assert!(svg.matches("<rect").count() >= 3);
    }
}
