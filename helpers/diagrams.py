"""Diagrams drawn where a picture is the explanation; each returns a matplotlib Figure (and a test draws it).

- ``gan_wiring``: how G and D are wired in the game (notebook 01).
- ``label_wiring``: how a label enters both networks of a conditional GAN (notebook 04).
- ``transposed_conv_stamp``: how a stride-2 transposed convolution stamps its kernel (notebook 03).
- ``earth_mover``: how the earth mover moves mass from one distribution to another (notebook 05).
"""

from __future__ import annotations

from matplotlib.figure import Figure

__all__ = ["gan_wiring", "label_wiring", "transposed_conv_stamp", "earth_mover"]


def gan_wiring() -> Figure:
    """How G and D are wired in the game: z -> G -> fake; real and fake -> D -> D(x); the two losses (notebook 01)."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import to_rgba
    from matplotlib.patches import FancyBboxPatch

    g_color, d_color, ink, grey = "C1", "C0", "0.25", "0.5"
    fig = plt.figure(figsize=(7.2, 3.1))  # through pyplot, so that a notebook shows it
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 4.3)
    ax.axis("off")

    def box(x, y, title, sub, color, w=1.6, h=0.75):
        ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0,rounding_size=0.12",
                                    fc=to_rgba(color, 0.15), ec=color, lw=1.4))
        ax.text(x, y + 0.14, title, ha="center", va="center", fontsize=11, fontweight="bold")
        ax.text(x, y - 0.17, sub, ha="center", va="center", fontsize=9.5)

    def arrow(start, end, color=ink, dashed=False):
        ax.annotate("", xy=end, xytext=start, arrowprops=dict(
            arrowstyle="-|>", color=color, lw=1.3, shrinkA=0, shrinkB=0, mutation_scale=12,
            linestyle="--" if dashed else "-"))

    # what flows forward: noise -> G -> fake sample; fake and real samples -> D -> its verdict
    box(0.95, 3.35, "noise z", "z ~ p_z", grey, w=1.55)
    box(3.0, 3.35, "G", "generator", g_color, w=1.45)
    box(5.15, 3.35, "fake sample", "G(z)", grey, w=1.7)
    box(5.15, 1.85, "real sample", "x ~ p_data", grey, w=1.7)
    box(7.35, 2.6, "D", "discriminator", d_color, w=1.45)
    box(9.1, 2.6, "D(x)", "P(x is real)", grey, w=1.4)
    arrow((1.73, 3.35), (2.27, 3.35))
    arrow((3.73, 3.35), (4.3, 3.35))
    arrow((6.0, 3.35), (6.62, 2.78))
    arrow((6.0, 1.85), (6.62, 2.42))
    arrow((8.08, 2.6), (8.4, 2.6))

    # what flows back: each player's loss updates that player only
    ax.text(7.35, 0.62, "D maximizes V:\nlog D(x) + log(1 − D(G(z)))", ha="center", va="center", fontsize=10,
            color=d_color)
    ax.text(2.6, 0.62, "G minimizes V: log(1 − D(G(z)))\n(in practice: −log D(G(z)))", ha="center",
            va="center", fontsize=10, color=g_color)
    arrow((7.35, 1.02), (7.35, 2.22), d_color, dashed=True)
    arrow((3.0, 1.02), (3.0, 2.97), g_color, dashed=True)
    ax.text(7.45, 1.55, "updates D", fontsize=9, color=d_color, ha="left", va="center")
    ax.text(2.88, 1.95, "updates G\n(its gradient\ncomes through D)", fontsize=9, color=g_color, ha="right",
            va="center")
    return fig


def label_wiring() -> Figure:
    """How a label enters both networks of a conditional GAN (notebook 04): in G, the label's learned embedding is
    joined to z; in D, the label's embedding, reshaped to a 28x28 plane, becomes a second channel of the image, and a
    second embedding's dot product with D's last features joins the logit."""
    import matplotlib.pyplot as plt

    from helpers.layers import CGAN

    embed, width, hidden = CGAN.generator.embed, CGAN.discriminator.width, CGAN.discriminator.hidden
    fig, ax = plt.subplots(figsize=(9.0, 4.9))
    ax.set(xlim=(0, 10.4), ylim=(-0.7, 6.2))
    ax.axis("off")
    colors = {"label": "#fde3c4", "input": "#d6e6f5", "net": "#eeeeee", "out": "#d9efd9"}

    def box(x, y, text, kind):
        return ax.text(x, y, text, ha="center", va="center", fontsize=9, linespacing=1.3,
                       bbox=dict(boxstyle="round,pad=0.4", fc=colors[kind], ec="#555555", lw=0.8))

    def arrow(a, b, color="#333333", bend=0.0):
        ax.annotate("", xy=b.get_position(), xytext=a.get_position(),
                    arrowprops=dict(arrowstyle="-|>", color=color, lw=1.2, shrinkA=0, shrinkB=0,
                                    patchA=a.get_bbox_patch(), patchB=b.get_bbox_patch(),
                                    connectionstyle=f"arc3,rad={bend}"))

    orange = "#c06000"
    # the generator
    ax.text(0.05, 6.0, "Generator G", fontsize=11, fontweight="bold", va="center")
    g_label = box(0.9, 5.1, "label y\n(e.g. 7)", "label")
    g_embed = box(3.0, 5.1, f"Embedding: a learned\n10 × {embed} table;\n$e_y$ = its row y", "label")
    g_z = box(0.9, 3.75, "z ~ N(0, I)\n100 numbers", "input")
    g_join = box(5.3, 4.4, f"join z and $e_y$\n(concatenate):\n100 + {embed} = {100 + embed} numbers", "net")
    g_net = box(7.55, 4.4, f"Dense({CGAN.generator.hidden})\n→ Dense → 7×7×{2 * width}\n→ transposed\nconvolutions", "net")
    g_out = box(9.65, 4.4, "image\nG(z | y)\n28×28×1", "out")
    arrow(g_label, g_embed, color=orange)
    arrow(g_embed, g_join, color=orange)
    arrow(g_z, g_join)
    arrow(g_join, g_net)
    arrow(g_net, g_out)
    ax.plot([0.05, 10.35], [3.1, 3.1], color="#bbbbbb", lw=0.8)
    # the discriminator
    ax.text(0.05, 2.85, "Discriminator D", fontsize=11, fontweight="bold", va="center")
    d_image = box(0.9, 1.95, "image x\n28×28×1\n(real or fake)", "input")
    d_label = box(0.9, 0.5, "label y\n(e.g. 7)", "label")
    d_embed = box(3.0, 0.5, "Embedding: a learned\n10 × 784 table;\n$e_y$ = its row y", "label")
    d_plane = box(5.3, 0.5, "reshape $e_y$ to\na 28×28 plane", "label")
    d_stack = box(5.3, 1.95, "stack as channels:\n28×28×2", "net")
    d_net = box(7.55, 1.95, f"convolutions\n→ 7×7×{2 * width}\n→ Dense({hidden}):\nfeatures h", "net")
    d_out = box(9.6, 1.95, "one logit,\n\"a real y?\"\nDense(1)(h)\n+ $p_y$ · h", "out")
    d_proj = box(8.0, 0.5, f"projection: a 2nd\nEmbedding 10 × {hidden};\n$p_y$ = its row y", "label")
    arrow(d_label, d_embed, color=orange)
    arrow(d_embed, d_plane, color=orange)
    arrow(d_plane, d_stack, color=orange)
    arrow(d_image, d_stack)
    arrow(d_stack, d_net)
    arrow(d_net, d_out)
    arrow(d_label, d_proj, color=orange, bend=0.2)
    arrow(d_proj, d_out, color=orange)
    ax.text(10.35, 6.0, "orange: the label's path", ha="right", va="center", fontsize=8.5,
            color=orange)
    fig.tight_layout(pad=0.3)
    return fig


def transposed_conv_stamp(kernels: tuple[int, ...] = (3, 4), n_inputs: int = 5, stride: int = 2) -> Figure:
    """How a stride-2 transposed convolution stamps its kernel, and where the copies overlap (notebook 03).

    One panel per kernel size, in one dimension ('valid' padding, every kernel weight 1): input i stamps a copy
    of the kernel scaled by its value x_i, starting at output position i * stride; the bottom row counts the
    copies that land on each output position (those count texts carry ``gid="count"``).
    """
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.patches import Rectangle

    values = np.linspace(1.0, 0.4, n_inputs).round(1)          # the input values x_i, drawn as shades
    colors = plt.get_cmap("tab10").colors
    longest = (n_inputs - 1) * stride + max(kernels)
    fig, axes = plt.subplots(1, len(kernels), figsize=(5.2 * len(kernels), 0.36 * (n_inputs + 4) + 0.5), squeeze=False)
    for ax, k in zip(axes[0], kernels):
        width = (n_inputs - 1) * stride + k
        counts = np.zeros(width, dtype=int)
        top = n_inputs + 1.6                                     # the input row; the stamps below it, the counts last
        ax.text(-0.4, top + 0.4, "input x", ha="right", va="center", fontsize=9)
        for i, x in enumerate(values):
            start = i * stride
            counts[start:start + k] += 1
            ax.add_patch(Rectangle((start, top), 1, 0.8, facecolor=colors[i], alpha=0.35 + 0.6 * x, edgecolor="k"))
            ax.text(start + 0.5, top + 0.4, f"{x:g}", ha="center", va="center", fontsize=8)
            y = top - 1.4 - i
            for j in range(k):
                ax.add_patch(Rectangle((start + j, y), 1, 0.8, facecolor=colors[i], alpha=0.2 + 0.5 * x,
                                       edgecolor=colors[i]))
            ax.text(-0.4, y + 0.4, f"{x:g} × kernel", ha="right", va="center", fontsize=8, color=colors[i])
        y = top - 2.0 - n_inputs
        ax.text(-0.4, y + 0.4, "copies", ha="right", va="center", fontsize=9)
        for p, c in enumerate(counts):
            ax.add_patch(Rectangle((p, y), 1, 0.8, facecolor=plt.get_cmap("Greys")(0.15 + 0.3 * c), edgecolor="k"))
            ax.text(p + 0.5, y + 0.4, str(c), ha="center", va="center", fontsize=9, gid="count",
                    color="white" if c > 1 else "black", fontweight="bold")
        inner = counts[k:-k] if width > 2 * k else counts
        even = inner.min() == inner.max()
        verdict = (f"every inner output gets {inner.min()} copies" if even
                   else f"{inner.min()} and {inner.max()} copies alternate: a checkerboard")
        ax.set_title(f"kernel {k}, stride {stride}: {verdict}", fontsize=10)
        ax.set_xlim(-3.2, longest + 0.2)
        ax.set_ylim(y - 0.2, top + 1.0)
        ax.set_aspect("equal")
        ax.axis("off")
    fig.suptitle(f"a stride-{stride} transposed convolution in one dimension: each input stamps a copy of the kernel "
                 f"(weights all 1) scaled by its value, {stride} positions after the previous one", fontsize=9)
    fig.tight_layout()
    return fig


def earth_mover(source: tuple = ((1, 0.6), (2, 0.4)),
                target: tuple = ((4, 0.3), (5, 0.5), (7, 0.2))) -> Figure:
    """How the earth mover moves mass from one distribution to another, and what it costs (notebook 05).

    ``source`` (the generator's mass, drawn as piles of earth on top) and ``target`` (the data's, drawn as holes
    below) are pairs (position, mass) on a line with the same total mass. The cheapest plan in one dimension
    moves the mass in order: the leftmost earth fills the leftmost hole, so no two arrows cross. Each move is
    an arrow labelled "mass × distance" (its width shows the mass); the title adds the costs up to W. Each
    arrow carries ``gid="move x_from x_to mass"``.
    """
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.patches import FancyArrowPatch, Rectangle

    src = sorted((float(x), float(m)) for x, m in source)
    dst = sorted((float(x), float(m)) for x, m in target)
    if not np.isclose(sum(m for _, m in src), sum(m for _, m in dst)):
        raise ValueError("the two distributions must hold the same total mass")
    moves, i, j = [], 0, 0                                   # the plan (from, to, mass): fill holes left to right
    left_src, left_dst = src[0][1], dst[0][1]
    while i < len(src) and j < len(dst):
        m = min(left_src, left_dst)
        if m > 1e-9:
            moves.append((src[i][0], dst[j][0], m))
        left_src, left_dst = left_src - m, left_dst - m
        if left_src <= 1e-9:
            i += 1
            left_src = src[i][1] if i < len(src) else 0.0
        if left_dst <= 1e-9:
            j += 1
            left_dst = dst[j][1] if j < len(dst) else 0.0

    width, gap = 0.6, 1.4                                    # bar width; height between the two rows
    fig, ax = plt.subplots(figsize=(6.4, 2.9))
    for x, m in src:                                         # earth: piles standing on the line y = gap
        ax.add_patch(Rectangle((x - width / 2, gap), width, m, fc="C1", ec="k", lw=0.6, alpha=0.8))
        ax.text(x, gap + m / 2, f"{m:g}", ha="center", va="center", fontsize=8)
    for x, m in dst:                                         # holes: hanging below the line y = 0
        ax.add_patch(Rectangle((x - width / 2, -m), width, m, fc="C0", ec="k", lw=0.6, alpha=0.8))
        ax.text(x, -m / 2, f"{m:g}", ha="center", va="center", fontsize=8, color="white")
    xs = [x for x, _ in src + dst]
    lo, hi = min(xs) - 1.0, max(xs) + 0.6
    ax.plot([lo + 0.6, hi], [gap, gap], color="k", lw=0.6)
    ax.plot([lo + 0.6, hi], [0, 0], color="k", lw=0.6)
    ax.text(lo + 0.5, gap + 0.15, "p_g\n(earth)", ha="right", va="center", fontsize=9, color="C1")
    ax.text(lo + 0.5, -0.15, "p_data\n(holes)", ha="right", va="center", fontsize=9, color="C0")

    mass_of = {"src": dict(src), "dst": dict(dst)}
    used = {"src": {x: 0.0 for x, _ in src}, "dst": {x: 0.0 for x, _ in dst}}
    costs = []
    for k, (a, b, m) in enumerate(moves):
        # leave from, and arrive at, the part of each bar this mass occupies: arrows never cross
        xa = a - width / 2 + width * (used["src"][a] + m / 2) / mass_of["src"][a]
        xb = b - width / 2 + width * (used["dst"][b] + m / 2) / mass_of["dst"][b]
        used["src"][a] += m
        used["dst"][b] += m
        ax.add_patch(FancyArrowPatch((xa, gap - 0.02), (xb, 0.04), arrowstyle="-|>", mutation_scale=8 + 12 * m,
                                     lw=0.6 + 7 * m, color="0.4", alpha=0.75, shrinkA=0, shrinkB=0,
                                     gid=f"move {a:g} {b:g} {m:g}"))
        t = 0.25 + 0.5 * k / max(len(moves) - 1, 1)            # labels down the arrows in a diagonal: apart
        d = abs(b - a)
        ax.text(xa + t * (xb - xa), gap - t * gap, f"{m:g} × {d:g}", ha="center", va="center", fontsize=8.5,
                bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="0.7", lw=0.5))
        costs.append(m * d)
    ax.set_title("W = Σ mass × distance moved = " + " + ".join(f"{c:g}" for c in costs)
                 + f" = {sum(costs):g}", fontsize=10)
    ax.set_xlim(lo - 0.9, hi)
    ax.set_ylim(-max(m for _, m in dst) - 0.1, gap + max(m for _, m in src) + 0.1)
    ax.set_xticks(sorted(set(xs)))
    ax.set_xlabel("position x")
    ax.set_yticks([])
    ax.grid(False)
    ax.spines["left"].set_visible(False)
    fig.tight_layout()
    return fig
