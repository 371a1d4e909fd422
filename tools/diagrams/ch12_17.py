"""Chapters 12 to 17: support vector machines, hidden Markov models, Bayes, autoencoders, GANs
and graph networks."""
import math

from . import diagram
from .svg import INK, MUTED, ROLES, Diagram


def _dot(d, x, y, role, *, square=False, r=6):
    """One data point: a circle or, for the other class, a square."""
    fill, stroke = ROLES[role]
    if square:
        d.items.append(f'<rect x="{x - r:.1f}" y="{y - r:.1f}" width="{2 * r}" height="{2 * r}" '
                       f'fill="{fill}" stroke="{stroke}" stroke-width="1.5"/>')
    else:
        d.items.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r}" fill="{fill}" '
                       f'stroke="{stroke}" stroke-width="1.5"/>')


def _ring(d, x, y, r=11, color=INK):
    d.items.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r}" fill="none" '
                   f'stroke="{color}" stroke-width="1.8"/>')


def _edge_point(a, b, r):
    """The point at distance r from a on the way to b (to start or end an arrow on a circle)."""
    (x0, y0), (x1, y1) = a, b
    L = math.hypot(x1 - x0, y1 - y0)
    return (x0 + (x1 - x0) * r / L, y0 + (y1 - y0) * r / L)


def _between(d, a, b, r_a, r_b, **kw):
    """An arrow from circle a (radius r_a) to circle b (radius r_b)."""
    d.arrow(_edge_point(a, b, r_a), _edge_point(b, a, r_b + 1), **kw)


# ---------------------------------------------------------------------- chapter 12
@diagram("svm_margin")
def svm_margin() -> Diagram:
    d = Diagram(640, 400, "A maximum-margin line between two classes of points: the boundary "
                "wᵀx + b = 0, the two margin lines where wᵀx + b is plus one and minus one, a "
                "street of width 2 over the norm of w between them, and the support vectors, "
                "ringed, lying on its edges.")
    c = (290, 215)
    ang = math.radians(-30)
    u = (math.cos(ang), math.sin(ang))            # along the line
    n = (math.sin(ang), -math.cos(ang))           # normal, towards the +1 side (up-left)
    M = 46                                        # half the street, in pixels

    def at(s, t):
        return (c[0] + s * u[0] + t * n[0], c[1] + s * u[1] + t * n[1])

    for t, label, dashed in ((M, "w^T x + b = +1", True), (0, "w^T x + b = 0", False),
                             (-M, "w^T x + b = −1", True)):
        a, b = at(-235, t), at(235, t)
        d.line([a, b], color=INK if not dashed else MUTED, width=2 if not dashed else 1.5,
               dashed=dashed)
        d.text(b[0] + 8, b[1], label, anchor="start", size=13,
               color=INK if not dashed else MUTED)
    pos = [(-150, 120), (-90, 80), (-30, 140), (-160, 60), (40, 95), (-60, 190), (-120, 170),
           (0, 75), (-200, 110)]
    neg = [(120, -110), (60, -90), (160, -70), (10, -150), (90, -160), (190, -130), (-30, -105),
           (140, -190)]
    sv_pos, sv_neg = [(-40, M), (110, M)], [(30, -M)]
    for s, t in pos + sv_pos:
        _dot(d, *at(s, t), "input")
    for s, t in neg + sv_neg:
        _dot(d, *at(s, t), "output", square=True)
    for s, t in sv_pos + sv_neg:
        _ring(d, *at(s, t))
    # the street's width, measured along the normal
    m0, m1, m2 = at(-150, 0), at(-150, M), at(-150, -M)
    d.arrow(m0, m1, color="#dc2626")
    d.arrow(m0, m2, color="#dc2626")
    d.text(m0[0] - 42, m0[1] + 4, "2 / ‖w‖", color="#dc2626", size=13)
    # the normal vector w
    w0 = at(-80, 0)
    d.arrow(w0, at(-80, 40), color=ROLES["param"][1], width=2.2)
    d.text(w0[0] - 26, w0[1] - 24, "w", color=ROLES["param"][1], bold=True)
    # legend
    y = 380
    _dot(d, 40, y, "input")
    d.text(54, y, "y = +1", anchor="start", size=12)
    _dot(d, 130, y, "output", square=True)
    d.text(144, y, "y = −1", anchor="start", size=12)
    _dot(d, 225, y, "input", r=5)
    _ring(d, 225, y, r=9)
    d.text(241, y, "support vector: y (w^T x + b) = 1", anchor="start", size=12)
    return d


@diagram("kernel_lift")
def kernel_lift() -> Diagram:
    d = Diagram(660, 300, "Lifting the nested rings into three dimensions: in the plane no line "
                "separates the inner ring from the outer one; after adding the coordinate z "
                "equal to x1 squared plus x2 squared, the inner points sit low, the outer "
                "points high, and a flat plane separates them.")
    # left: the rings in the plane
    cx, cy = 130, 150
    d.line([(cx - 105, cy), (cx + 105, cy)], color=MUTED, width=1)
    d.line([(cx, cy + 105), (cx, cy - 105)], color=MUTED, width=1)
    d.text(cx + 108, cy + 12, "x_1", size=12, color=MUTED)
    d.text(cx + 14, cy - 108, "x_2", size=12, color=MUTED)
    inner = [(0.35 * math.cos(a), 0.35 * math.sin(a))
             for a in [k * 2 * math.pi / 8 + 0.2 for k in range(8)]]
    outer = [(0.9 * math.cos(a), 0.9 * math.sin(a))
             for a in [k * 2 * math.pi / 14 for k in range(14)]]
    for x1, x2 in inner:
        _dot(d, cx + 95 * x1, cy - 95 * x2, "input", r=5)
    for x1, x2 in outer:
        _dot(d, cx + 95 * x1, cy - 95 * x2, "output", square=True, r=5)
    d.text(cx, 280, "the plane: no line separates them", size=12)
    # the lift
    d.arrow((250, 150), (330, 150), label="z = x_1^2 + x_2^2", label_dy=-14)

    # right: oblique projection of (x1, x2, z)
    ox, oy = 480, 215

    def proj(x1, x2, z):
        return (ox + 80 * x1 + 38 * x2, oy - 28 * x2 - 120 * z)

    for p, q in (((-1, -1, 0), (1, -1, 0)), ((1, -1, 0), (1, 1, 0)), ((1, 1, 0), (-1, 1, 0)),
                 ((-1, 1, 0), (-1, -1, 0))):
        d.line([proj(*p), proj(*q)], color=MUTED, width=1)
    d.arrow(proj(0, 0, 0), proj(0, 0, 1.15), color=MUTED, width=1)
    d.text(proj(0, 0, 1.15)[0] + 12, proj(0, 0, 1.15)[1] + 4, "z", size=12, color=MUTED)
    for x1, x2 in inner:
        _dot(d, *proj(x1, x2, x1 * x1 + x2 * x2), "input", r=5)
    # the separating plane z = c, drawn between the two layers
    zc = 0.45
    corners = [proj(-1, -1, zc), proj(1, -1, zc), proj(1, 1, zc), proj(-1, 1, zc)]
    fill, stroke = ROLES["op"]
    d.items.append('<polygon points="' + " ".join(f"{x:.1f},{y:.1f}" for x, y in corners)
                   + f'" fill="{fill}" fill-opacity="0.7" stroke="{stroke}" stroke-width="1.5"/>')
    for x1, x2 in outer:
        _dot(d, *proj(x1, x2, x1 * x1 + x2 * x2), "output", square=True, r=5)
    d.text(proj(1, 1, zc)[0] + 8, proj(1, 1, zc)[1] - 6, "z = c", size=12,
           anchor="start", color=stroke)
    d.text(480, 280, "lifted: a flat plane separates them", size=12)
    return d


# ---------------------------------------------------------------------- chapter 13
@diagram("hmm_casino")
def hmm_casino() -> Diagram:
    d = Diagram(600, 300, "The dishonest casino as a two-state hidden Markov model: the hidden "
                "die is fair or loaded, each keeps itself or switches with the probabilities "
                "of the transition matrix A, and each emits a face with the probabilities of "
                "its row of the emission matrix B.")
    F, L, r = (170, 110), (430, 110), 42
    d.circle(*F, r, "fair\nz = 0", "state")
    d.circle(*L, r, "loaded\nz = 1", "state")
    d.curve((F[0] + 30, F[1] - 30), (300, 20), (L[0] - 30, L[1] - 30), label="A_01 = 0.05",
            label_dy=-6)
    d.curve((L[0] - 30, L[1] + 30), (300, 200), (F[0] + 30, F[1] + 30), label="A_10 = 0.10",
            label_dy=14)
    # self-loops
    d.curve((F[0] - 38, F[1] - 18), (F[0] - 110, F[1] - 5), (F[0] - 38, F[1] + 18))
    d.text(F[0] - 80, F[1] - 42, "A_00 = 0.95", size=12)
    d.curve((L[0] + 38, L[1] - 18), (L[0] + 110, L[1] - 5), (L[0] + 38, L[1] + 18))
    d.text(L[0] + 80, L[1] - 42, "A_11 = 0.90", size=12)
    # emissions (what the players see)
    d.box(60, 220, 220, 56, "faces 1 to 6:\n1/6 each", "input", size=13)
    d.box(320, 220, 220, 56, "six: 1/2\nfaces 1 to 5: 1/10 each", "input", size=13)
    d.arrow((F[0], F[1] + r), (F[0], 218), dashed=True, label="B_{0k}", label_dx=26,
            label_dy=0)
    d.arrow((L[0], L[1] + r), (L[0], 218), dashed=True, label="B_{1k}", label_dx=26,
            label_dy=0)
    d.text(300, 290, "hidden: the die (yellow);  seen: the face it throws (blue)", size=12,
           color=MUTED)
    return d


_T_X = (140, 265, 390, 515)       # columns: steps 1..4
_ROW_Y = (105, 215)               # rows: state 1 (fair), state 2 (loaded)
_R = 27


def _trellis_frame(d, sym):
    d.text(60, _ROW_Y[0], "fair\n(i = 1)", size=13)
    d.text(60, _ROW_Y[1], "loaded\n(i = 2)", size=13)
    for t, x in enumerate(_T_X, start=1):
        d.text(x, 40, f"t = {t}", size=13, color=MUTED)
        d.box(x - 20, 262, 40, 28, f"x_{t}", "input", size=13)
        d.line([(x, _ROW_Y[1] + _R + 2), (x, 260)], color=MUTED, width=1, dashed=True)
    nodes = {}
    for t, x in enumerate(_T_X, start=1):
        for j, y in enumerate(_ROW_Y, start=1):
            nodes[t, j] = (x, y)
    return nodes


@diagram("hmm_forward_trellis")
def hmm_forward_trellis() -> Diagram:
    d = Diagram(680, 360, "The trellis of the forward algorithm for the two-state casino over "
                "four rolls: one node per state and step, an edge from every state at step "
                "t minus 1 to every state at step t, and each forward variable alpha is the "
                "sum over its incoming edges, times the emission of the roll. Summing the "
                "last column gives the probability of the rolls.")
    nodes = _trellis_frame(d, "α")
    green = ROLES["op"][1]
    target = (3, 1)
    for t in range(2, 5):
        for i in (1, 2):
            for j in (1, 2):
                hot = (t, j) == target
                _between(d, nodes[t - 1, i], nodes[t, j], _R, _R,
                         color=green if hot else "#9ca3af", width=2.4 if hot else 1.2)
    for (t, j), (x, y) in nodes.items():
        d.circle(x, y, _R, f"α_{t}({j})", "state", size=13)
    fill, stroke = ROLES["op"]
    x, y = nodes[target]
    d.items.append(f'<circle cx="{x}" cy="{y}" r="{_R + 4}" fill="none" stroke="{stroke}" '
                   f'stroke-width="2"/>')
    d.text(327, _ROW_Y[0] - 14, "A_11", size=12, color=green)
    d.text(282, 166, "A_21", size=12, color=green)
    # P(x) = sum of the last column
    d.box(600, 135, 64, 50, "P(x)", "output")
    for j in (1, 2):
        d.arrow(_edge_point(nodes[4, j], (600, 160), _R), (598, 160 + (j - 1.5) * 16))
    d.text(632, 122, "Σ_j α_4(j)", size=12)
    d.text(340, 318, "α_3(1) = [α_2(1) A_11 + α_2(2) A_21] B_{1x₃}", size=13, color=green)
    d.text(340, 342, "in general  α_t(j) = [Σ_i α_{t-1}(i) A_{ij}] B_{jxₜ}", size=13)
    return d


@diagram("hmm_viterbi_trellis")
def hmm_viterbi_trellis() -> Diagram:
    d = Diagram(680, 360, "The same trellis for Viterbi decoding: each node keeps delta, the "
                "best score over its incoming edges instead of their sum, and a back-pointer "
                "to the predecessor that won. From the best last state the back-pointers "
                "trace the most probable path, highlighted.")
    nodes = _trellis_frame(d, "δ")
    purple = ROLES["output"][1]
    back = {(2, 1): 1, (2, 2): 1, (3, 1): 1, (3, 2): 1, (4, 1): 1, (4, 2): 2}
    best = [1, 1, 2, 2]
    on_path = {(t, best[t - 2], best[t - 1]) for t in range(2, 5)}
    for t in range(2, 5):
        for i in (1, 2):
            for j in (1, 2):
                a, b = nodes[t - 1, i], nodes[t, j]
                if back[t, j] == i:
                    continue
                else:
                    d.line([_edge_point(a, b, _R), _edge_point(b, a, _R)], color="#d1d5db",
                           width=1.2)
    # back-pointers psi: dashed arrows from each node to its winning predecessor
    for (t, j), i in back.items():
        a, b = nodes[t, j], nodes[t - 1, i]
        hot = (t, i, j) in on_path
        d.arrow(_edge_point(a, b, _R), _edge_point(b, a, _R + 1),
                color=purple if hot else INK, dashed=not hot, width=4 if hot else 1.5)
    for (t, j), (x, y) in nodes.items():
        d.circle(x, y, _R, f"δ_{t}({j})", "state", size=13)
    for t, j in enumerate(best, start=1):
        x, y = nodes[t, j]
        d.items.append(f'<circle cx="{x}" cy="{y}" r="{_R + 4}" fill="none" stroke="{purple}" '
                       f'stroke-width="2.5"/>')
    d.box(590, 135, 78, 50, "max_j\nδ_4(j)", "output", size=13)
    for j in (1, 2):
        d.arrow(_edge_point(nodes[4, j], (590, 160), _R), (588, 160 + (j - 1.5) * 16))
    d.text(340, 318, "δ_t(j) = max_i [δ_{t-1}(i) A_{ij}] B_{jxₜ},   "
           "ψ_t(j) = argmax_i [δ_{t-1}(i) A_{ij}]", size=13)
    d.line([(150, 343), (180, 343)], color=INK, dashed=True)
    d.text(186, 343, "back-pointer ψ", size=12, anchor="start")
    d.line([(330, 343), (360, 343)], color=purple, width=4.5)
    d.text(366, 343, "most probable path z*", size=12, anchor="start")
    return d


# ---------------------------------------------------------------------- chapter 14
@diagram("naive_bayes_graph")
def naive_bayes_graph() -> Diagram:
    d = Diagram(620, 290, "Naive Bayes as a graphical model: the class y has an arrow to each "
                "feature x1 to xd and there are no arrows between features, so the features "
                "are independent given the class. On the right the same model drawn with a "
                "plate that repeats the feature node d times.")
    r = 26
    Y = (190, 60)
    d.circle(*Y, r, "y", "output")
    d.text(Y[0] + 36, Y[1] - 14, "p(y = c)", size=12, anchor="start")
    xs = [(60, 200, "x_1"), (145, 200, "x_2"), (230, 200, "x_3"), (330, 200, "x_d")]
    for x, y, label in xs:
        _between(d, Y, (x, y), r, r)
        d.circle(x, y, r, label, "input")
    d.text(280, 200, "…", size=18)
    d.text(116, 122, "p(x_j | y)", size=12, color=MUTED, anchor="end")
    d.line([(445, 20), (445, 250)], color="#d1d5db", width=1)
    # the plate
    P = (530, 60)
    d.circle(*P, r, "y", "output")
    d.box(480, 150, 100, 90, "", "none", rx=8)
    d.circle(530, 190, r, "x_j", "input")
    _between(d, P, (530, 190), r, r)
    d.text(572, 228, "d", size=13, anchor="end")
    d.text(200, 268, "p(x | y = c) = Π_j p(x_j | y = c)", size=13)
    d.text(530, 268, "plate: j = 1, …, d", size=12, color=MUTED)
    return d


# ---------------------------------------------------------------------- chapter 15
@diagram("autoencoder")
def autoencoder() -> Diagram:
    d = Diagram(640, 370, "The autoencoder of this section: the encoder f maps the 784 pixels "
                "of x through 128 ReLU units to a code z of 16 numbers, the bottleneck; the "
                "decoder g mirrors it back to 784 pixels, and the loss compares the "
                "reconstruction with the input.")
    cols = [(60, 210, "input", "x\n784"), (185, 120, "op", "128"), (320, 50, "state", "z\n16"),
            (455, 120, "op", "128"), (580, 210, "output", "x̂\n784")]
    cy, w = 175, 46
    for x, h, role, label in cols:
        d.box(x - w / 2, cy - h / 2, w, h, "", role, rx=4)
        d.text(x, cy, label, size=13)
    labels = ["W_1, ReLU", "W_2", "W_3, ReLU", "W_4, sigmoid"]
    for (x0, *_), (x1, *_), lab in zip(cols, cols[1:], labels):
        d.arrow((x0 + w / 2 + 2, cy), (x1 - w / 2 - 2, cy), label=lab, label_dy=-12)
    # encoder / decoder brackets
    for x0, x1, lab in ((37, 343, "encoder f"), (297, 603, "decoder g")):
        y = 40 if lab.startswith("enc") else 50
        d.line([(x0, y + 8), (x0, y), (x1, y), (x1, y + 8)], color=MUTED, width=1.2)
        d.text((x0 + x1) / 2, y - 12, lab, size=13, color=MUTED)
    d.text(320, 238, "bottleneck", size=12, color=ROLES["state"][1])
    # the loss
    d.box(200, 306, 240, 44, "L = ‖x − x̂‖^2 / (n d)", "loss", size=13)
    d.arrow((60, cy + 106), (60, 328), (198, 328))
    d.arrow((580, cy + 106), (580, 328), (442, 328))
    d.text(320, 290, "reconstruction error", size=12, color=ROLES["loss"][1])
    return d


@diagram("denoising_autoencoder")
def denoising_autoencoder() -> Diagram:
    d = Diagram(680, 270, "The denoising autoencoder: the clean digit x is damaged by noise, a "
                "mosaic or a watermark, the damaged copy goes through the encoder f to the code "
                "z and the decoder g, and the loss compares the reconstruction with the clean "
                "digit, not with the damaged one.")
    cy = 70
    d.box(10, cy - 25, 50, 50, "x", "input")
    d.box(92, cy - 40, 110, 80, "corrupt\nnoise, mosaic\nor watermark", "plain", size=12)
    d.box(234, cy - 25, 50, 50, "x̃", "input")
    d.box(316, cy - 30, 76, 60, "encoder\nf", "op", size=13)
    d.box(424, cy - 25, 50, 50, "z\n64", "state", size=13)
    d.box(506, cy - 30, 76, 60, "decoder\ng", "op", size=13)
    d.box(614, cy - 25, 56, 50, "x̂", "output")
    for x0, x1 in ((60, 92), (202, 234), (284, 316), (392, 424), (474, 506), (582, 614)):
        d.arrow((x0, cy), (x1 - 2, cy))
    d.text(259, cy + 42, "fresh damage\nevery batch", size=11, color=MUTED)
    d.box(220, 180, 240, 44, "L = ‖x − x̂‖^2 / (n d)", "loss", size=13)
    d.arrow((35, cy + 25), (35, 202), (218, 202), label="clean target", label_at=0.6,
            label_dy=-10, size=12)
    d.arrow((642, cy + 25), (642, 202), (462, 202))
    d.text(340, 246, "the target is the clean x, never the damaged x̃", size=12,
           color=ROLES["loss"][1])
    return d


@diagram("vae_reparameterisation")
def vae_reparameterisation() -> Diagram:
    d = Diagram(680, 380, "The variational autoencoder with the reparameterisation trick: the "
                "encoder outputs a mean mu and a log-variance, noise epsilon from a standard "
                "normal enters from outside, the code z is mu plus sigma times epsilon, and "
                "the decoder turns z into pixel logits. The loss, the negative ELBO, adds a "
                "reconstruction term and a KL term.")
    cy = 160
    d.box(10, cy - 22, 44, 44, "x", "input")
    d.box(80, cy - 40, 92, 80, "encoder\n256 ReLU", "op", size=13)
    d.arrow((54, cy), (78, cy))
    # q(z | x): the two heads
    d.box(194, cy - 62, 88, 124, "", "plain", dashed=True)
    d.text(238, cy - 74, "q(z | x)", size=12, color=MUTED)
    d.box(204, cy - 48, 68, 40, "μ", "state")
    d.box(204, cy + 8, 68, 40, "log σ^2", "state", size=13)
    d.arrow((172, cy - 28), (202, cy - 28))
    d.arrow((172, cy + 28), (202, cy + 28))
    # z = mu + sigma * eps
    zx, zw = 316, 120
    d.box(zx, cy - 36, zw, 72, "z = μ + σ ⊙ ε", "op", size=13)
    d.arrow((272, cy - 28), (zx - 2, cy - 28))
    d.arrow((272, cy + 28), (zx - 2, cy + 28))
    d.text(zx + zw / 2, cy + 52, "σ = exp(½ log σ^2)", size=11, color=MUTED)
    d.box(zx + 5, 30, zw - 10, 40, "ε ~ N(0, I)", "plain", size=13, dashed=True)
    d.arrow((zx + zw / 2, 70), (zx + zw / 2, cy - 38))
    d.text(zx + zw / 2 + 54, 96, "no parameters:\nnoise from outside", size=11, color=MUTED,
           anchor="start")
    d.box(468, cy - 40, 92, 80, "decoder\n256 ReLU", "op", size=13)
    d.arrow((zx + zw, cy), (466, cy))
    d.box(590, cy - 32, 80, 64, "logits\np(x | z)", "output", size=13)
    d.arrow((560, cy), (588, cy))
    # the two ELBO terms
    red = ROLES["loss"][1]
    d.box(150, 272, 190, 50, "KL(q(z | x) ‖ N(0, I))\n½ Σ(μ^2 + σ^2 − 1 − log σ^2)", "loss",
          size=11)
    d.arrow((238, cy + 62), (238, 270))
    d.box(470, 272, 200, 50, "reconstruction\nBCE summed over pixels", "loss", size=12)
    d.arrow((630, cy + 32), (630, 270))
    d.arrow((32, cy + 22), (32, 340), (520, 340), (520, 324))
    d.text(300, 356, "loss = − ELBO = reconstruction + KL", size=13, color=red)
    return d


# ---------------------------------------------------------------------- chapter 16
@diagram("gan_game")
def gan_game() -> Diagram:
    d = Diagram(680, 330, "The GAN game: noise z goes through the generator G to fake samples; "
                "real samples come from the data; the discriminator D scores both with the "
                "probability of being real. The discriminator's loss trains only D, the "
                "generator's loss trains only G.")
    yf, yr = 110, 220
    d.box(10, yf - 25, 100, 50, "z ~ N(0, I)", "input", size=13)
    d.box(140, yf - 25, 80, 50, "G", "op", bold=True)
    d.arrow((110, yf), (138, yf))
    d.box(250, yf - 25, 100, 50, "G(z)\nfake", "output", size=13)
    d.arrow((220, yf), (248, yf))
    d.box(250, yr - 25, 100, 50, "x ~ p_{data}\nreal", "input", size=13)
    d.box(390, 130, 70, 70, "D", "op", bold=True)
    d.arrow((350, yf), (370, yf), (370, 150), (388, 150))
    d.arrow((350, yr), (370, yr), (370, 180), (388, 180))
    d.box(490, 137, 180, 56, "D(·) ∈ (0, 1)\nP(real)", "output", size=13)
    d.arrow((460, 165), (488, 165))
    # losses
    d.box(490, 20, 180, 56, "G loss\n− log D(G(z))", "loss", size=13)
    d.box(490, 254, 180, 62, "D loss\n− log D(x)\n− log(1 − D(G(z)))", "loss", size=12)
    d.arrow((580, 137), (580, 78))
    d.arrow((580, 193), (580, 252))
    orange = ROLES["param"][1]
    d.arrow((490, 48), (180, 48), (180, 83), color=orange, dashed=True, width=2,
            label="updates G only", label_at=0.0, label_dy=-10, size=12)
    d.arrow((490, 285), (425, 285), (425, 202), color=orange, dashed=True, width=2,
            label="updates D only", label_at=0.0, label_dx=-50, label_dy=14, size=12)
    return d


# ---------------------------------------------------------------------- chapter 17
@diagram("gcn_message_passing")
def gcn_message_passing() -> Diagram:
    d = Diagram(680, 320, "One GCN layer at node v: each neighbour u and v itself, through its "
                "self-loop, send their features h divided by the square root of both degrees; "
                "v sums the messages, multiplies by the weight matrix W and applies the "
                "nonlinearity. One layer reaches one hop; the node two hops away is reached "
                "by the next layer.")
    r = 22
    V = (200, 150)
    nb = {"u_1": (90, 60), "u_2": (60, 165), "u_3": (120, 260)}
    W2 = (25, 270)
    d.line([_edge_point(W2, nb["u_3"], r), _edge_point(nb["u_3"], W2, r)], color="#9ca3af",
           dashed=True)
    d.circle(*W2, r - 4, "w", "plain", size=12)
    d.text(25, 300, "2 hops", size=11, color=MUTED)
    green = ROLES["op"][1]
    for name, p in nb.items():
        _between(d, p, V, r, r + 2, color=green, width=2)
        d.circle(*p, r, name, "input", size=13)
    d.curve((V[0] - 12, V[1] - r), (V[0], V[1] - 85), (V[0] + 12, V[1] - r - 1), color=green)
    d.circle(*V, r + 2, "v", "state", size=14)
    d.text(V[0], V[1] - 70, "self-loop", size=11, color=MUTED)
    d.text(120, 118, "h_u / √(d̃_u d̃_v)", size=12, color=green, anchor="middle")
    # what v computes
    x0 = 262
    d.arrow((V[0] + r + 2, V[1]), (x0 - 2, V[1]))
    d.box(x0, 115, 132, 70, "Σ over\nN(v) ∪ {v}", "op", size=13)
    d.box(x0 + 160, 125, 60, 50, "· W", "param", size=14)
    d.arrow((x0 + 132, 150), (x0 + 158, 150))
    d.box(x0 + 248, 125, 50, 50, "σ", "op", size=15)
    d.arrow((x0 + 220, 150), (x0 + 246, 150))
    d.box(x0 + 326, 125, 80, 50, "h'_v", "output", size=15)
    d.arrow((x0 + 298, 150), (x0 + 324, 150))
    d.text(x0 + 200, 230, "for all nodes at once:  H' = σ(Â H W),", size=13)
    d.text(x0 + 200, 254, "Â = D̃^{-1/2} (A + I) D̃^{-1/2}", size=13)
    d.text(x0 + 200, 288, "one layer = one hop", size=13, color=MUTED)
    return d


@diagram("graphsage_sampling")
def graphsage_sampling() -> Diagram:
    d = Diagram(680, 320, "One GraphSAGE layer at node v: of its six neighbours a fixed number, "
                "here three, are sampled; their mean is joined end to end with the vector of v "
                "itself, multiplied by the weight matrix W and passed through the "
                "nonlinearity. Each layer costs k messages per node whatever the degree.")
    r = 20
    V = (210, 160)
    green = ROLES["op"][1]
    sampled = {0, 2, 3}
    for k in range(6):
        a = math.radians(105 + k * 30)
        p = (V[0] + 125 * math.cos(a), V[1] - 125 * math.sin(a))
        if k in sampled:
            _between(d, p, V, r, r + 2, color=green, width=2.2)
            d.circle(*p, r, f"u_{k + 1}", "input", size=12)
        else:
            d.line([_edge_point(p, V, r), _edge_point(V, p, r + 2)], color="#d1d5db",
                   dashed=True)
            d.circle(*p, r, f"u_{k + 1}", "plain", size=12)
    d.circle(*V, r + 2, "v", "state")
    d.text(70, 305, "sampled: S(v), k = 3 (blue)", size=11, color=MUTED, anchor="start")
    x0 = 262
    d.arrow((V[0] + r + 2, V[1]), (x0 - 2, V[1]))
    d.box(x0, 120, 150, 80, "[ h_v ‖\nmean over S(v)\nof h_u ]", "op", size=13)
    d.box(x0 + 178, 135, 56, 50, "· W", "param", size=14)
    d.arrow((x0 + 150, 160), (x0 + 176, 160))
    d.box(x0 + 262, 135, 46, 50, "σ", "op", size=15)
    d.arrow((x0 + 234, 160), (x0 + 260, 160))
    d.box(x0 + 334, 135, 72, 50, "h'_v", "output", size=15)
    d.arrow((x0 + 308, 160), (x0 + 332, 160))
    d.text(x0 + 200, 240, "own vector and neighbour mean, side by side:", size=12, color=MUTED)
    d.text(x0 + 200, 262, "W [a ‖ b] = W_1 a + W_2 b", size=13)
    return d


@diagram("gat_attention")
def gat_attention() -> Diagram:
    d = Diagram(680, 340, "Graph attention at node v: every edge from a neighbour u, and the "
                "self-loop, gets a score e from the transformed features, a softmax over the "
                "neighbourhood turns the scores into attention weights alpha, and the new "
                "feature of v is the alpha-weighted sum of the transformed neighbours.")
    r = 22
    V = (190, 175)
    nb = [("u_1", (80, 70), 4.5, "α_{vu₁}"), ("u_2", (55, 200), 1.5, "α_{vu₂}"),
          ("u_3", (140, 295), 3.0, "α_{vu₃}")]
    blue = ROLES["param"][1]
    for name, p, wd, lab in nb:
        _between(d, p, V, r, r + 2, color=blue, width=wd)
    d.curve((V[0] - 12, V[1] - r - 1), (V[0], V[1] - 90), (V[0] + 12, V[1] - r - 1),
            color=blue)
    for name, p, wd, lab in nb:
        d.circle(*p, r, name, "input", size=13)
    d.circle(*V, r + 2, "v", "state")
    d.text(152, 108, "α_{vu₁}", size=12, color=blue)
    d.text(115, 175, "α_{vu₂}", size=12, color=blue)
    d.text(186, 250, "α_{vu₃}", size=12, color=blue)
    d.text(V[0] + 30, V[1] - 78, "α_{vv}", size=12, color=blue, anchor="start")
    # the computation, top to bottom
    x, w = 300, 370
    steps = [("z_u = W h_u   for u ∈ N(v) ∪ {v}", "param"),
             ("e_{vu} = LeakyReLU(a^T [z_v ‖ z_u])", "op"),
             ("α_{vu} = softmax of e_{vu} over N(v) ∪ {v}", "op"),
             ("h'_v = σ(Σ_u α_{vu} z_u)", "output")]
    ys = [30, 105, 180, 255]
    for (lab, role), y in zip(steps, ys):
        d.box(x, y, w, 50, lab, role, size=13)
    for y0, y1 in zip(ys, ys[1:]):
        d.arrow((x + w / 2, y0 + 50), (x + w / 2, y1 - 2))
    d.arrow((x - 2, 205), (240, 205), (V[0] + 18, V[1] + 18), color=blue, dashed=True,
            label="weights on the edges", label_at=0.0, label_dx=8, label_dy=14, size=11)
    return d
