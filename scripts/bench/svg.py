"""A horizontal grouped bar chart of speed-ups, as a self-contained SVG (no dependencies).

One group per scenario, one bar per library: the library's speed-up over the stdlib (stdlib
median / library median) on a log scale with 1× marked. A bar whose output differs from the
stdlib's, or whose sink check failed, is drawn hatched and labelled, so a fast wrong answer
never looks like a fast right one.
"""

import math
from xml.sax.saxutils import escape

COLORS = {
    "logixde": "#d9480f",
    "picologging": "#1c7ed6",
    "logxide": "#2f9e44",
}
BAR_H = 11
GAP = 8
LABEL_W = 150
PLOT_W = 520
RIGHT_W = 110
TOP = 54


def chart(title, rows, libs):
    """``rows``: [(scenario, stdlib label, {lib: (speedup or None, ok, note)})]; returns the SVG.

    The stdlib has no bar: it is the 1× line, its time is printed under the scenario's name.
    """
    libs = [lib for lib in libs if lib != "stdlib"]
    values = [v[0] for _, _, per in rows for lib, v in per.items() if v[0] and lib in libs]
    lo = min([0.5] + [v / 1.3 for v in values])
    hi = max([20.0] + [v * 1.3 for v in values])
    lo_exp, hi_exp = math.floor(math.log10(lo)), math.ceil(math.log10(hi))

    def x(v):
        frac = (math.log10(v) - lo_exp) / (hi_exp - lo_exp)
        return LABEL_W + frac * PLOT_W

    group_h = max(2, len(libs)) * BAR_H + GAP
    height = TOP + len(rows) * group_h + 40
    width = LABEL_W + PLOT_W + RIGHT_W
    out = [
        '<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" '
        'font-family="sans-serif" font-size="11">' % (width, height, width, height),
        "<defs><pattern id=\"hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
        "patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"white\"/>"
        "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#555\" stroke-width=\"3\"/></pattern></defs>",
        '<rect width="100%" height="100%" fill="white"/>',
        '<text x="%d" y="18" font-size="14" font-weight="bold">%s</text>' % (LABEL_W, escape(title)),
    ]
    # Legend.
    lx = LABEL_W
    for lib in libs:
        out.append('<rect x="%d" y="28" width="10" height="10" fill="%s"/>' % (lx, COLORS.get(lib, "#555")))
        out.append('<text x="%d" y="37">%s</text>' % (lx + 14, escape(lib)))
        lx += 24 + 7 * len(lib)
    out.append('<rect x="%d" y="28" width="10" height="10" fill="url(#hatch)" stroke="#555"/>' % lx)
    out.append('<text x="%d" y="37">output differs from the stdlib’s, or sink check failed</text>' % (lx + 14))
    # Grid: decades and 2×, 5×.
    bottom = TOP + len(rows) * group_h
    for e in range(lo_exp, hi_exp + 1):
        for m in (1, 2, 5):
            v = m * 10 ** e
            if v < 10 ** lo_exp or v > 10 ** hi_exp:
                continue
            gx = x(v)
            stroke = "#333" if v == 1 else ("#bbb" if m == 1 else "#e5e5e5")
            out.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="%s"/>' % (gx, TOP - 4, gx, bottom, stroke))
            if m in (1, 2, 5):
                label = ("%g×" % v)
                out.append('<text x="%.1f" y="%d" text-anchor="middle" fill="#555">%s</text>' % (gx, bottom + 14, label))
    out.append(
        '<text x="%d" y="%d" text-anchor="middle" fill="#333">speed-up over the stdlib '
        "(stdlib median / library median, log scale; &gt; 1× is faster)</text>"
        % (LABEL_W + PLOT_W / 2, bottom + 30)
    )
    y = TOP
    for scenario, std_label, per in rows:
        mid = y + max(2, len(libs)) * BAR_H / 2
        out.append('<text x="%d" y="%.1f" text-anchor="end">%s</text>' % (LABEL_W - 6, mid - 1, escape(scenario)))
        out.append(
            '<text x="%d" y="%.1f" text-anchor="end" font-size="9" fill="#777">stdlib %s</text>'
            % (LABEL_W - 6, mid + 9, escape(std_label))
        )
        for i, lib in enumerate(libs):
            speedup, ok, note = per.get(lib, (None, True, "missing"))
            by = y + i * BAR_H
            if speedup:
                x0, x1 = x(10 ** lo_exp), x(speedup)
                fill = COLORS.get(lib, "#555") if ok else "url(#hatch)"
                stroke = "" if ok else ' stroke="%s"' % COLORS.get(lib, "#555")
                out.append(
                    '<rect x="%.1f" y="%.1f" width="%.1f" height="%d" fill="%s"%s><title>%s %s: %.2f×%s</title></rect>'
                    % (x0, by + 1, max(1.0, x1 - x0), BAR_H - 2, fill, stroke, escape(lib), escape(scenario), speedup,
                       "" if ok else " (" + escape(note) + ")")
                )
                text = "%.2f×" % speedup + ("" if ok else " " + note)
                out.append('<text x="%.1f" y="%.1f" font-size="9" fill="#333">%s</text>' % (x1 + 3, by + BAR_H - 2, escape(text)))
            else:
                out.append(
                    '<text x="%.1f" y="%.1f" font-size="9" fill="#999">%s: %s</text>'
                    % (x(10 ** lo_exp) + 3, by + BAR_H - 2, escape(lib), escape(note))
                )
        y += group_h
    out.append("</svg>")
    return "\n".join(out) + "\n"
