//! The charts' SVG backend: the text `plotters_svg::SVGBackend` writes, byte
//! for byte, without its cost. That backend formats every attribute into a
//! `String` of its own and copies it in a character at a time, escaping it;
//! this one writes numbers and colours straight into the document, and
//! escapes only text, which is all that can hold a character to escape
//! (ARCHITECTURE.md, Performance, has the figures). The tests hold every
//! primitive to the plotters backend's bytes.

use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind, FontStyle,
    FontTransform,
};
use std::fmt::Write as _;

/// An SVG document drawn into a string.
pub struct SvgBackend<'a> {
    out: &'a mut String,
    size: (u32, u32),
    /// Whether the `<svg>` element is still open.
    open: bool,
}

impl<'a> SvgBackend<'a> {
    /// Starts a document of `size` pixels in `out`, as `SVGBackend::with_string` does.
    pub fn with_string(out: &'a mut String, size: (u32, u32)) -> Self {
        let (w, h) = size;
        out.push_str("<svg width=\"");
        push_int(out, w);
        out.push_str("\" height=\"");
        push_int(out, h);
        out.push_str("\" viewBox=\"0 0 ");
        push_int(out, w);
        out.push(' ');
        push_int(out, h);
        out.push_str("\" xmlns=\"http://www.w3.org/2000/svg\">\n");
        SvgBackend { out, size, open: true }
    }

    /// Opens an element drawn in `color`: `<tag`. A transparent one is
    /// left out (`None`), as the plotters backend leaves it out.
    fn element(&mut self, tag: &str, color: BackendColor) -> Option<&mut String> {
        if color.alpha == 0.0 {
            return None;
        }
        self.out.push('<');
        self.out.push_str(tag);
        Some(self.out)
    }
}

fn push_int(out: &mut String, v: impl itoa::Integer) {
    out.push_str(itoa::Buffer::new().format(v));
}

/// ` name="value"` for a number.
fn int_attr(out: &mut String, name: &str, v: impl itoa::Integer) {
    out.push(' ');
    out.push_str(name);
    out.push_str("=\"");
    push_int(out, v);
    out.push('"');
}

/// ` name="value"` for a value that needs no escaping.
fn str_attr(out: &mut String, name: &str, v: &str) {
    out.push(' ');
    out.push_str(name);
    out.push_str("=\"");
    out.push_str(v);
    out.push('"');
}

/// ` name="value"` for a decimal number, as `format!("{}", v)` writes it.
fn f64_attr(out: &mut String, name: &str, v: f64) {
    out.push(' ');
    out.push_str(name);
    out.push_str("=\"");
    let _ = write!(out, "{v}");
    out.push('"');
}

/// ` name="#RRGGBB"`.
fn color_attr(out: &mut String, name: &str, c: BackendColor) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    out.push(' ');
    out.push_str(name);
    out.push_str("=\"#");
    for b in [c.rgb.0, c.rgb.1, c.rgb.2] {
        out.push(HEX[(b >> 4) as usize] as char);
        out.push(HEX[(b & 15) as usize] as char);
    }
    out.push('"');
}

/// A shape's ` opacity`, ` fill` and ` stroke`: filled in its colour, or outlined.
fn paint_attrs(out: &mut String, color: BackendColor, fill: bool) {
    f64_attr(out, "opacity", color.alpha);
    if fill {
        color_attr(out, "fill", color);
        str_attr(out, "stroke", "none");
    } else {
        str_attr(out, "fill", "none");
        color_attr(out, "stroke", color);
    }
}

/// ` points="x,y x,y "`.
fn points_attr(out: &mut String, path: impl IntoIterator<Item = BackendCoord>) {
    out.push_str(" points=\"");
    for (x, y) in path {
        push_int(out, x);
        out.push(',');
        push_int(out, y);
        out.push(' ');
    }
    out.push('"');
}

/// Text as SVG content, escaped as the plotters backend escapes it.
fn push_escaped(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            other => out.push(other),
        }
    }
}

const CLOSE: &str = "/>\n";

impl DrawingBackend for SvgBackend<'_> {
    type ErrorType = std::io::Error;

    fn get_size(&self) -> (u32, u32) {
        self.size
    }

    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        Ok(())
    }

    fn present(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        if std::mem::take(&mut self.open) {
            self.out.push_str("</svg>\n");
        }
        Ok(())
    }

    fn draw_pixel(
        &mut self,
        point: BackendCoord,
        color: BackendColor,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let Some(out) = self.element("rect", color) else {
            return Ok(());
        };
        int_attr(out, "x", point.0);
        int_attr(out, "y", point.1);
        str_attr(out, "width", "1");
        str_attr(out, "height", "1");
        str_attr(out, "stroke", "none");
        f64_attr(out, "opacity", color.alpha);
        color_attr(out, "fill", color);
        out.push_str(CLOSE);
        Ok(())
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let color = style.color();
        let Some(out) = self.element("line", color) else {
            return Ok(());
        };
        f64_attr(out, "opacity", color.alpha);
        color_attr(out, "stroke", color);
        int_attr(out, "stroke-width", style.stroke_width());
        int_attr(out, "x1", from.0);
        int_attr(out, "y1", from.1);
        int_attr(out, "x2", to.0);
        int_attr(out, "y2", to.1);
        out.push_str(CLOSE);
        Ok(())
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let color = style.color();
        let Some(out) = self.element("rect", color) else {
            return Ok(());
        };
        int_attr(out, "x", upper_left.0);
        int_attr(out, "y", upper_left.1);
        int_attr(out, "width", bottom_right.0 - upper_left.0);
        int_attr(out, "height", bottom_right.1 - upper_left.1);
        paint_attrs(out, color, fill);
        out.push_str(CLOSE);
        Ok(())
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let color = style.color();
        let Some(out) = self.element("polyline", color) else {
            return Ok(());
        };
        str_attr(out, "fill", "none");
        f64_attr(out, "opacity", color.alpha);
        color_attr(out, "stroke", color);
        int_attr(out, "stroke-width", style.stroke_width());
        points_attr(out, path);
        out.push_str(CLOSE);
        Ok(())
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let color = style.color();
        let Some(out) = self.element("polygon", color) else {
            return Ok(());
        };
        f64_attr(out, "opacity", color.alpha);
        color_attr(out, "fill", color);
        points_attr(out, path);
        out.push_str(CLOSE);
        Ok(())
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let color = style.color();
        let Some(out) = self.element("circle", color) else {
            return Ok(());
        };
        int_attr(out, "cx", center.0);
        int_attr(out, "cy", center.1);
        int_attr(out, "r", radius);
        paint_attrs(out, color, fill);
        int_attr(out, "stroke-width", style.stroke_width());
        out.push_str(CLOSE);
        Ok(())
    }

    fn draw_text<S: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let color = style.color();
        let (x, y) = pos;
        let anchor = style.anchor();
        let Some(out) = self.element("text", color) else {
            return Ok(());
        };
        int_attr(out, "x", x);
        int_attr(out, "y", y);
        let dy = match anchor.v_pos {
            VPos::Top => "0.76em",
            VPos::Center => "0.5ex",
            VPos::Bottom => "-0.5ex",
        };
        str_attr(out, "dy", dy);
        let text_anchor = match anchor.h_pos {
            HPos::Left => "start",
            HPos::Right => "end",
            HPos::Center => "middle",
        };
        str_attr(out, "text-anchor", text_anchor);
        out.push_str(" font-family=\"");
        push_escaped(out, style.family().as_str());
        out.push('"');
        f64_attr(out, "font-size", style.size() / 1.24);
        f64_attr(out, "opacity", color.alpha);
        color_attr(out, "fill", color);
        match style.style() {
            FontStyle::Normal => {}
            FontStyle::Bold => str_attr(out, "font-weight", "bold"),
            other => str_attr(out, "font-style", other.as_str()),
        }
        let degrees = match style.transform() {
            FontTransform::Rotate90 => Some(90),
            FontTransform::Rotate180 => Some(180),
            FontTransform::Rotate270 => Some(270),
            _ => None,
        };
        if let Some(d) = degrees {
            let _ = write!(out, " transform=\"rotate({d}, {x}, {y})\"");
        }
        out.push_str(">\n");
        push_escaped(out, text);
        out.push_str("\n</text>\n");
        Ok(())
    }
}

impl Drop for SvgBackend<'_> {
    fn drop(&mut self) {
        let _ = self.present();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plotters::prelude::*;
    use plotters::style::text_anchor::Pos;

    /// Every primitive, in every variant the backend writes differently,
    /// drawn on plotters' SVG backend and on this one.
    fn draw_everything<DB: DrawingBackend>(b: &mut DB) {
        let half = RGBColor(18, 171, 250).mix(0.35);
        let solid = RGBColor(255, 0, 10).to_rgba();
        let clear = BLACK.mix(0.0);
        for (c, w) in [(half, 1), (solid, 3), (clear, 2)] {
            let s = ShapeStyle {
                color: c,
                filled: false,
                stroke_width: w,
            };
            b.draw_pixel((3, -4), c.to_backend_color()).unwrap();
            b.draw_line((0, 1), (-20, 300), &s).unwrap();
            for fill in [false, true] {
                b.draw_rect((5, 6), (70, 8), &s, fill).unwrap();
                b.draw_circle((9, 10), 4, &s, fill).unwrap();
            }
            b.draw_path([(1, 2), (-3, 4), (500, 6)], &s).unwrap();
            b.draw_path(std::iter::empty(), &s).unwrap();
            b.fill_polygon([(1, 2), (3, -4), (5, 6)], &s).unwrap();
        }
        let colors = [half, solid, clear];
        let texts = ["plain", "<a & 'b' \"c\">", "ünïcødé — ✓", ""];
        let (h, v) = (
            [HPos::Left, HPos::Center, HPos::Right],
            [VPos::Top, VPos::Center, VPos::Bottom],
        );
        for (i, text) in texts.iter().enumerate() {
            for (j, transform) in [
                FontTransform::None,
                FontTransform::Rotate90,
                FontTransform::Rotate180,
                FontTransform::Rotate270,
            ]
            .into_iter()
            .enumerate()
            {
                let style = [
                    FontStyle::Normal,
                    FontStyle::Bold,
                    FontStyle::Italic,
                    FontStyle::Oblique,
                ][(i + j) % 4];
                let font = FontDesc::new(FontFamily::Name("sans-serif"), 13.0 + i as f64, style).transform(transform);
                let ts = TextStyle::from(font)
                    .color(&colors[j % 3])
                    .pos(Pos::new(h[i % 3], v[j % 3]));
                b.draw_text(text, &ts, (i as i32 * 7, -(j as i32))).unwrap();
            }
        }
        b.present().unwrap();
    }

    #[test]
    fn every_primitive_writes_what_plotters_svg_backend_writes() {
        let (mut theirs, mut ours) = (String::new(), String::new());
        draw_everything(&mut SVGBackend::with_string(&mut theirs, (640, 480)));
        draw_everything(&mut SvgBackend::with_string(&mut ours, (640, 480)));
        assert!(theirs.len() > 2000, "{theirs}");
        assert_eq!(ours, theirs);
    }

    /// Any coordinates, colours, widths, sizes and text: the same bytes.
    #[test]
    fn any_drawing_writes_what_plotters_svg_backend_writes() {
        use proptest::prelude::*;
        let coord = || (-5000i32..5000, -5000i32..5000);
        let color = || (any::<(u8, u8, u8)>(), prop_oneof![Just(0.0), Just(1.0), 0.0f64..1.0]);
        let op = (
            0u8..7,
            coord(),
            coord(),
            color(),
            0u32..6,
            any::<bool>(),
            "\\PC{0,12}",
            1.0f64..40.0,
        );
        proptest!(|(ops in proptest::collection::vec(op, 1..40), size in (1u32..3000, 1u32..3000))| {
            let (mut theirs, mut ours) = (String::new(), String::new());
            {
                let mut b = SVGBackend::with_string(&mut theirs, size);
                ops.iter().for_each(|o| apply(&mut b, o));
            }
            {
                let mut b = SvgBackend::with_string(&mut ours, size);
                ops.iter().for_each(|o| apply(&mut b, o));
            }
            prop_assert_eq!(ours, theirs);
        });
    }

    type Op = (u8, (i32, i32), (i32, i32), ((u8, u8, u8), f64), u32, bool, String, f64);

    /// One primitive of [`any_drawing_writes_what_plotters_svg_backend_writes`].
    fn apply<DB: DrawingBackend>(b: &mut DB, (kind, p, q, ((r, g, bl), alpha), width, flag, text, size): &Op) {
        let color = RGBColor(*r, *g, *bl).mix(*alpha);
        let s = ShapeStyle {
            color,
            filled: *flag,
            stroke_width: *width,
        };
        let _ = match kind {
            0 => b.draw_pixel(*p, color.to_backend_color()),
            1 => b.draw_line(*p, *q, &s),
            2 => b.draw_rect(*p, *q, &s, *flag),
            3 => b.draw_circle(*p, *width * 7, &s, *flag),
            4 => b.draw_path([*p, *q, (p.0, q.1)], &s),
            5 => b.fill_polygon([*p, *q, (q.0, p.1)], &s),
            _ => {
                let style = if *flag { FontStyle::Bold } else { FontStyle::Normal };
                let font = FontDesc::new(FontFamily::SansSerif, *size, style);
                b.draw_text(text, &TextStyle::from(font).color(&color), *p)
            }
        };
    }

    /// Dropped without `present`, the document is closed all the same.
    #[test]
    fn a_document_is_closed_once() {
        let (mut theirs, mut ours) = (String::new(), String::new());
        {
            let mut b = SVGBackend::with_string(&mut theirs, (10, 20));
            b.draw_pixel((1, 1), BLACK.to_backend_color()).unwrap();
        }
        {
            let mut b = SvgBackend::with_string(&mut ours, (10, 20));
            b.draw_pixel((1, 1), BLACK.to_backend_color()).unwrap();
        }
        assert_eq!(ours, theirs);
        assert_eq!(ours.matches("</svg>").count(), 1);
    }
}
