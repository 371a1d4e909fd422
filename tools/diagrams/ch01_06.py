"""Chapters 1 to 6: gradient descent, MLPs, backpropagation, convolution and CNNs."""
import math

from . import diagram
from .svg import INK, MUTED, ROLES, Diagram

LOSS_RED = ROLES["loss"][1]
HAT = "\u0302"      # combining circumflex: x̂, ŷ, μ̂
BAR = "\u0304"      # combining macron: the adjoints x̄, ȳ, ...


def _ellipse(d, cx, cy, rx, ry, angle, *, color=MUTED, width=1.2):
    """A closed ellipse (a contour line) as a polyline, rotated by ``angle`` radians."""
    ca, sa = math.cos(angle), math.sin(angle)
    pts = []
    for i in range(73):
        t = 2 * math.pi * i / 72
        x, y = rx * math.cos(t), ry * math.sin(t)
        pts.append((cx + x * ca - y * sa, cy + x * sa + y * ca))
    d.line(pts, color=color, width=width)


def _rim(c, half, towards):
    """The point where the segment from box centre ``c`` (half sizes ``half``) towards
    ``towards`` leaves the box."""
    (x, y), (hw, hh), (tx, ty) = c, half, towards
    dx, dy = tx - x, ty - y
    s = min(hw / abs(dx) if dx else math.inf, hh / abs(dy) if dy else math.inf)
    return (x + s * dx, y + s * dy)


# ============================================================ chapter 1
@diagram("gd_contours")
def gd_contours() -> Diagram:
    d = Diagram(600, 360, "Gradient descent on the contour lines of a cost of two parameters "
                "w and b: from the starting point each step goes against the gradient, "
                "downhill across the contours, and the steps shorten as they approach the "
                "minimum at the centre.")
    cx, cy, ang, px = 330, 170, -0.35, 45
    # contour lines of L(w, b) = (a u^2 + c v^2) / 2 in rotated coordinates (u, v)
    a, c = 1.0, 5.0
    for level in (0.3, 1.0, 2.2, 4.0, 6.5, 9.5):
        _ellipse(d, cx, cy, px * math.sqrt(2 * level / a), px * math.sqrt(2 * level / c), ang)
    d.text(520, 52, "contour lines\nof L(w, b)", size=12, color=MUTED)
    # gradient descent on that quadratic, drawn in screen coordinates
    ca, sa = math.cos(ang), math.sin(ang)
    u, v, eta = -3.6, 0.9, 0.3
    pts = []
    for _ in range(10):
        pts.append((cx + px * (u * ca - v * sa), cy + px * (u * sa + v * ca)))
        u, v = u - eta * a * u, v - eta * c * v
    # the gradient at the start points uphill; the step goes the other way
    (x0, y0), (x1, y1) = pts[0], pts[1]
    gx, gy = x0 - 0.6 * (x1 - x0), y0 - 0.6 * (y1 - y0)
    d.arrow((x0, y0), (gx, gy), color=LOSS_RED, dashed=True)
    d.text(gx - 6, gy + 4, "∇L(θ_0): uphill", size=12, color=LOSS_RED,
           anchor="end")
    for (xa, ya), (xb, yb) in zip(pts, pts[1:]):
        d.arrow((xa, ya), (xb, yb), width=1.8)
    for k, (x, y) in enumerate(pts[:4]):
        d.circle(x, y, 4.5, role="input")
        lx, ly = (x + 16, y + 6) if k == 0 else (x + (-4 if k % 2 == 0 else 2),
                                                  y + (18 if k % 2 == 0 else -16))
        d.text(lx, ly, f"θ_{k}", size=13)
    d.text((x0 + x1) / 2 - 44, (y0 + y1) / 2 - 4, "step\n−η ∇L(θ_0)", size=12)
    d.circle(cx, cy, 6, role="output")
    d.text(cx + 14, cy + 20, "minimum (w^⋆, b^⋆)", size=12, anchor="start")
    # axes
    d.arrow((40, 330), (560, 330))
    d.arrow((40, 330), (40, 30))
    d.text(560, 346, "w", size=13)
    d.text(26, 36, "b", size=13)
    d.text(160, 40, "θ_{t+1} = θ_t − η ∇L(θ_t)", size=14)
    return d


# ============================================================ chapter 2
@diagram("perceptron")
def perceptron() -> Diagram:
    d = Diagram(640, 290, "The perceptron: the inputs x1 to xd are multiplied by the weights "
                "w1 to wd and summed together with the bias b into z, and the step function "
                "turns z into the output, 1 when z is positive and 0 otherwise.")
    sx, sy, r = 300, 150, 30
    ins = [(60, 50, "x_1", "w_1"), (60, 115, "x_2", "w_2"), (60, 250, "x_d", "w_d")]
    for x, y, lab, w in ins:
        d.circle(x, y, 22, lab, role="input")
        ex, ey = _rim((sx, sy), (r * 0.75, r * 0.75), (x, y))
        d.arrow((x + 22, y), (ex, ey))
        mx, my = x + 22 + 0.45 * (ex - x - 22), y + 0.45 * (ey - y)
        d.box(mx - 20, my - 13, 40, 26, w, "param", size=13)
    d.text(60, 185, "⋮", size=20)
    d.text(175, 185, "⋮", size=20)
    d.text(60, 282, "inputs", size=12, color=MUTED)
    d.circle(sx, sy, r, "Σ", role="op", size=20)
    d.box(sx - 20, 30, 40, 30, "b", "param")
    d.arrow((sx, 60), (sx, sy - r))
    d.text(sx, sy + 48, "z = w^⊤x + b", size=13)
    # the step function
    bx, by, bw, bh = 390, 110, 110, 80
    d.box(bx, by, bw, bh, "", "op")
    d.line([(bx + 12, by + 60), (bx + 55, by + 60), (bx + 55, by + 20), (bx + 98, by + 20)],
           width=2)
    d.line([(bx + 55, by + 10), (bx + 55, by + 70)], color=MUTED, width=1, dashed=True)
    d.text(bx + 55, by + bh + 16, "step: 1 if z > 0, else 0", size=12)
    d.arrow((sx + r, sy), (bx - 2, sy), label="z")
    d.box(560, sy - 20, 56, 40, "y" + HAT, "output")
    d.arrow((bx + bw, sy), (558, sy), label="")
    d.text(588, sy + 36, "output\n0 or 1", size=12, color=MUTED)
    return d


def _layer(d, x, ys, labels, role):
    for y, lab in zip(ys, labels):
        if lab == "⋮":
            d.text(x, y, "⋮", size=18)
        else:
            d.circle(x, y, 17, lab, role=role, size=12)


@diagram("mlp_one_hidden")
def mlp_one_hidden() -> Diagram:
    d = Diagram(620, 350, "A multilayer perceptron with one hidden layer: the 784 pixels of a "
                "digit are the input layer, a fully connected layer with weights W1 and bias "
                "b1 followed by ReLU gives 256 hidden units, and a second fully connected "
                "layer with W2 and b2 gives the 10 logits.")
    xs = (90, 310, 530)
    cols = [
        ([60, 105, 150, 205, 250], ["x_1", "x_2", "x_3", "⋮", "x_784"], "input"),
        ([75, 125, 190, 235], ["h_1", "h_2", "⋮", "h_256"], "state"),
        ([85, 135, 235], ["z_1", "z_2", "z_10"], "output"),
    ]
    for (ys_a, la, _), (ys_b, lb, _), xa, xb in zip(cols, cols[1:], xs, xs[1:]):
        for ya, a_ in zip(ys_a, la):
            for yb, b_ in zip(ys_b, lb):
                if "⋮" not in (a_, b_):
                    d.line([(xa + 17, ya), (xb - 17, yb)], color="#b6bcc4", width=0.8)
    d.text(530, 185, "⋮", size=18)
    for x, (ys, labels, role) in zip(xs, cols):
        _layer(d, x, ys, labels, role)
    d.box(155, 278, 90, 26, "W_1, b_1", "param", size=13)
    d.box(375, 278, 90, 26, "W_2, b_2", "param", size=13)
    d.text(200, 318, "(784, 256), (256)", size=12, color=MUTED)
    d.text(420, 318, "(256, 10), (10)", size=12, color=MUTED)
    d.text(90, 20, "input layer: 784 pixels", size=12)
    d.text(310, 20, "hidden layer: 256 ReLU units", size=12)
    d.text(530, 20, "output layer: 10 logits", size=12)
    d.text(310, 340, "H = ReLU(X W_1 + b_1),   Z = H W_2 + b_2", size=13)
    return d


# ============================================================ chapter 3
@diagram("chain_rule_graph")
def chain_rule_graph() -> Diagram:
    d = Diagram(680, 370, "The computational graph of f of x and y equals tanh of x times y plus "
                "sin x. The forward pass computes the nodes a, b, c and f from the inputs; the "
                "backward pass sends the adjoints back along every edge, each multiplied by "
                "the local derivative, and adds the two contributions that meet at x.")
    nodes = {
        "x": ((50, 100), "x", "input", 28),
        "y": ((50, 240), "y", "input", 28),
        "b": ((235, 100), "b = sin x", "op", 55),
        "a": ((235, 240), "a = x y", "op", 55),
        "c": ((420, 170), "c = a + b", "op", 50),
        "f": ((615, 170), "f = tanh c", "output", 55),
    }
    hh = 20
    for (x, y), lab, role, hw in nodes.values():
        d.box(x - hw, y - hh, 2 * hw, 2 * hh, lab, role, size=13)
    edges = [("x", "b", "× cos x"), ("x", "a", "× y"), ("y", "a", "× x"),
             ("b", "c", "× 1"), ("a", "c", "× 1"), ("c", "f", "× (1 − tanh² c)")]
    for src, dst, local in edges:
        (p, _, _, hp), (q, _, _, hq) = nodes[src], nodes[dst]
        s, e = _rim(p, (hp, hh), q), _rim(q, (hq, hh), p)
        L = math.dist(s, e)
        nx, ny = -(e[1] - s[1]) / L, (e[0] - s[0]) / L  # unit normal (left of the edge)
        off = 6
        d.arrow((s[0] + off * nx, s[1] + off * ny), (e[0] + off * nx, e[1] + off * ny))
        d.arrow((e[0] - off * nx, e[1] - off * ny), (s[0] - off * nx, s[1] - off * ny),
                color=LOSS_RED, dashed=True)
        mx, my = (s[0] + e[0]) / 2 - 22 * nx, (s[1] + e[1]) / 2 - 22 * ny
        if src == "c":
            my = (s[1] + e[1]) / 2 - 30
        d.text(mx, my, local, size=12, color=LOSS_RED)
    adjoints = {
        "f": ("f" + BAR + " = 1", 0),
        "c": ("c" + BAR + " = f" + BAR + " (1 − tanh² c)", 0),
        "b": ("b" + BAR + " = c" + BAR, 0),
        "a": ("a" + BAR + " = c" + BAR, 0),
        "y": ("y" + BAR + " = a" + BAR + " x", 0),
        "x": ("x" + BAR + " = a" + BAR + " y + b" + BAR + " cos x", 0),
    }
    for k, (text, dx) in adjoints.items():
        (x, y), _, _, _ = nodes[k]
        below = y - (46 if k == "x" else 34) if k in ("x", "b") else y + 36
        if k == "x":
            d.text(22, below, text, size=12, color=LOSS_RED, anchor="start")
        else:
            d.text(x + dx, below, text, size=12, color=LOSS_RED)
    d.line([(40, 316), (80, 316)], width=1.5)
    d.text(88, 316, "forward pass: compute and keep every value, inputs to output", size=12,
           anchor="start")
    d.line([(40, 338), (80, 338)], color=LOSS_RED, dashed=True)
    d.text(88, 338, "backward pass: adjoints ū = ∂f/∂u flow back, each edge multiplies by its "
           "local derivative,", size=12, anchor="start", color=LOSS_RED)
    d.text(88, 356, "and where two paths meet (at x) their contributions add", size=12,
           anchor="start", color=LOSS_RED)
    return d


# ============================================================ chapter 4
def _dropout_net(d, x0, title, dropped):
    """Inputs, one hidden layer (units in ``dropped`` crossed out) and outputs, at x0."""
    d.text(x0 + 130, 22, title, size=13, bold=True)
    cols = ((x0 + 20, (80, 140, 200, 260), "x", "input"),
            (x0 + 130, (60, 115, 170, 225, 280), "h", "state"),
            (x0 + 240, (110, 170, 230), "o", "output"))
    for (xa, ya_s, _, _), (xb, yb_s, _, _) in zip(cols, cols[1:]):
        for i, ya in enumerate(ya_s):
            for j, yb in enumerate(yb_s):
                gone = (xb == cols[1][0] and j in dropped) or (xa == cols[1][0] and i in dropped)
                if not gone:
                    d.line([(xa + 16, ya), (xb - 16, yb)], color="#b6bcc4", width=0.8)
    for x, ys, name, role in cols:
        for i, y in enumerate(ys, start=1):
            if name == "h" and i - 1 in dropped:
                d.circle(x, y, 16, "", role="plain")
                d.line([(x - 10, y - 10), (x + 10, y + 10)], color=LOSS_RED, width=2)
                d.line([(x - 10, y + 10), (x + 10, y - 10)], color=LOSS_RED, width=2)
            else:
                d.circle(x, y, 16, f"{name}_{i}", role=role, size=12)


@diagram("dropout")
def dropout() -> Diagram:
    d = Diagram(640, 360, "Dropout on a hidden layer. In training, every forward pass sets each "
                "hidden unit to zero with probability p, here two of five, and divides the "
                "survivors by one minus p; in evaluation every unit is kept and nothing is "
                "rescaled.")
    _dropout_net(d, 30, "training: model.train()", dropped={1, 3})
    _dropout_net(d, 350, "evaluation: model.eval()", dropped=set())
    d.text(160, 316, "each h_i is dropped with probability p;", size=12)
    d.text(160, 334, "a kept unit becomes h_i / (1 − p)", size=12)
    d.text(480, 316, "all units kept, none rescaled:", size=12)
    d.text(480, 334, "a deterministic prediction", size=12)
    d.line([(320, 30), (320, 340)], color=MUTED, width=1, dashed=True)
    return d


# ============================================================ chapter 5
@diagram("conv_padding_stride")
def conv_padding_stride() -> Diagram:
    d = Diagram(640, 340, "A convolution with padding and stride: a 5 by 5 input with one ring "
                "of zero padding, a 3 by 3 kernel that moves two pixels at a time, and the 3 by "
                "3 output it produces, with the output-size formula.")
    cell, x0, y0 = 26, 30, 60
    n, p = 5, 1
    side = n + 2 * p
    vals = [["0" if r in (0, side - 1) or c in (0, side - 1) else "" for c in range(side)]
            for r in range(side)]
    pad = {(r, c) for r in range(side) for c in range(side)
           if r in (0, side - 1) or c in (0, side - 1)}
    d.grid(x0, y0, side, side, cell, role="input", values=vals, size=11)
    for r, c in pad:  # padding cells in grey
        d.grid(x0 + c * cell, y0 + r * cell, 1, 1, cell, role="plain", values=[["0"]], size=11)
    # the first window and, dashed, the next one two pixels to the right
    d.box(x0, y0, 3 * cell, 3 * cell, "", "none", rx=2)
    d.items[-1] = d.items[-1].replace('stroke-width="1.5"', f'stroke="{ROLES["param"][1]}" '
                                      'stroke-width="3"', 1).replace(f'stroke="{INK}" ', "", 1)
    d.box(x0 + 2 * cell, y0, 3 * cell, 3 * cell, "", "none", rx=2, dashed=True)
    d.arrow((x0 + 1.5 * cell, y0 - 12), (x0 + 3.5 * cell, y0 - 12), label="stride s = 2",
            label_dy=-12)
    d.text(x0 + side * cell / 2, y0 + side * cell + 18, "input n = 5, padding p = 1", size=12)
    d.text(x0 + side * cell / 2, y0 + side * cell + 36, "(grey: the zeros added)", size=12,
           color=MUTED)
    # kernel
    kx, ky = 290, 100
    d.grid(kx, ky, 3, 3, cell, role="param")
    d.text(kx + 1.5 * cell, ky - 16, "kernel K", size=13)
    d.text(kx + 1.5 * cell, ky + 3 * cell + 18, "k = 3", size=12)
    d.text(254, ky + 1.5 * cell, "⋆", size=34)
    d.arrow((kx + 3 * cell + 12, ky + 1.5 * cell), (kx + 3 * cell + 62, ky + 1.5 * cell))
    # output
    ox, oy = 460, 100
    d.grid(ox, oy, 3, 3, cell, role="output", highlight={(0, 0)}, highlight_role="output")
    d.box(ox, oy, cell, cell, "", "none", rx=2)
    d.items[-1] = d.items[-1].replace('stroke-width="1.5"', f'stroke="{ROLES["param"][1]}" '
                                      'stroke-width="3"', 1).replace(f'stroke="{INK}" ', "", 1)
    d.text(ox + 1.5 * cell, oy - 16, "output Y", size=13)
    d.text(ox + 1.5 * cell, oy + 3 * cell + 18, "m = 3", size=12)
    d.text(ox + 1.5 * cell, oy + 3 * cell + 50, "Y[0, 0]: the sum of the\nwindow times K",
           size=12, color=MUTED)
    d.text(420, 300, "m = ⌊(n + 2p − k) / s⌋ + 1 = ⌊(5 + 2 − 3) / 2⌋ + 1 = 3", size=14)
    return d


def _stack(d, x, y, w, h, count, role, off, labels=()):
    """``count`` planes of size w x h, each ``off`` pixels down-right of the one behind."""
    for i in range(count):
        lab = labels[i] if i < len(labels) else ""
        d.box(x + i * off, y + i * off, w, h, lab, role, size=12, rx=3)
    return (x + (count - 1) * off + w, y + (count - 1) * off + h)


@diagram("conv_channels")
def conv_channels() -> Diagram:
    d = Diagram(660, 336, "A convolutional layer with several channels: every output channel has "
                "its own kernel with one slice per input channel; each slice is cross-correlated "
                "with its channel, the results are added with a bias, and the c o output "
                "channels are stacked into the output.")
    # input: c_i = 3 planes
    _stack(d, 30, 95, 100, 100, 3, "input", 14, labels=("", "", "X"))
    d.text(110, 250, "input: c_i × n_h × n_w", size=12)
    rows = (75, 215)
    for o, y in enumerate(rows, start=1):
        kx = 230
        _stack(d, kx, y - 22, 36, 36, 3, "param", 8, labels=("", "", f"K_{o}"))
        d.arrow((176, 170 + (o - 1.5) * 40), (kx - 4, y), )
        d.circle(380, y, 20, "Σ", role="op", size=16)
        d.arrow((kx + 36 + 16 + 6, y), (358, y))
        d.text(380, y + 34, f"+ b_{o}", size=12)
        d.arrow((402, y), (452, y))
    d.text(262, 24, "c_o kernels, each c_i × k_h × k_w", size=12)
    d.text(262, 125, "⋮", size=18)
    d.text(262, 275, "weights (c_o, c_i, k_h, k_w)", size=12, color=MUTED)
    # outputs: one plane per kernel
    d.box(456, 40, 70, 70, "Y_1", "output", size=13, rx=3)
    d.box(456, 180, 70, 70, "Y_2", "output", size=13, rx=3)
    d.text(491, 145, "⋮", size=18)
    d.text(590, 145, "output:\nc_o × m_h × m_w\n(one feature map\nper kernel)", size=12)
    d.text(330, 302, "Y_o = b_o + Σ_i corr(X_i, K_{o,i})", size=14)
    d.text(330, 322, "X_i: input channel i;  K_{o,i}: slice i of kernel o;  corr: the "
           "cross-correlation", size=12, color=MUTED)
    return d


@diagram("pooling_max_avg")
def pooling_max_avg() -> Diagram:
    d = Diagram(620, 270, "Max and average pooling of a 4 by 4 input with a 2 by 2 window and "
                "stride 2: each of the four windows gives one output, its largest value for "
                "max pooling and its mean for average pooling.")
    X = [[1, 3, 2, 0], [5, 6, 1, 2], [7, 2, 4, 8], [0, 1, 3, 5]]
    cell, x0, y0 = 40, 40, 50
    d.grid(x0, y0, 4, 4, cell, role="input", values=[[str(v) for v in r] for r in X],
           highlight={(0, 0), (0, 1), (1, 0), (1, 1)}, highlight_role="plain")
    for r in (0, 2):
        for c in (0, 2):
            d.box(x0 + c * cell, y0 + r * cell, 2 * cell, 2 * cell, "", "none", rx=1)
            d.items[-1] = d.items[-1].replace('stroke-width="1.5"', 'stroke-width="3"')
    d.text(x0 + 2 * cell, y0 + 4 * cell + 20, "input 4 × 4, window 2 × 2, stride 2", size=12)
    d.text(x0 + 2 * cell, y0 + 4 * cell + 38, "(grey: the first window)", size=12, color=MUTED)
    mx = [[max(X[r][c] for r in (i, i + 1) for c in (j, j + 1)) for j in (0, 2)] for i in (0, 2)]
    av = [[sum(X[r][c] for r in (i, i + 1) for c in (j, j + 1)) / 4 for j in (0, 2)]
          for i in (0, 2)]
    for k, (name, Y, oy) in enumerate((("max pooling", mx, 40), ("average pooling", av, 145))):
        ox = 410
        vals = [[f"{v:g}" for v in r] for r in Y]
        d.grid(ox, oy, 2, 2, cell, role="output", values=vals,
               highlight={(0, 0)}, highlight_role="plain")
        d.text(ox + 2 * cell + 14, oy + cell, name, size=12, anchor="start")
        d.arrow((x0 + 4 * cell + 8, y0 + cell + (k * 2 - 1) * 12),
                (ox - 6, oy + cell / 2),
                label="max = 6" if k == 0 else "mean = 3.75",
                label_at=0.5, label_dx=0 if k == 0 else -20,
                label_dy=-12 if k == 0 else 22)
    return d


# ============================================================ chapter 6
def _chain(d, boxes, y, h, *, gap, x=20, size=12):
    """Boxes (label, role, width) left to right joined by arrows; returns their x ranges."""
    spans = []
    for i, (label, role, w) in enumerate(boxes):
        d.box(x, y, w, h, label, role, size=size)
        if i:
            d.arrow((spans[-1][1], y + h / 2), (x - 2, y + h / 2))
        spans.append((x, x + w))
        x += w + gap
    return spans


@diagram("lenet")
def lenet() -> Diagram:
    d = Diagram(680, 300, "LeNet as built in the section: two convolutions with ReLU, each "
                "followed by 2 by 2 max pooling, learn spatial features; the flattened 400 "
                "numbers then pass through dense layers of 120, 84 and 10 units to the ten "
                "logits. The output shape of every stage is written below it.")
    d.box(8, 24, 664, 120, "", "plain", dashed=True)
    d.text(16, 40, "convolutional layers: spatial features", size=12, anchor="start",
           color=MUTED)
    top = [("image", "input", 82), ("conv 5×5, 6 ch\npad 2, ReLU", "op", 112),
           ("max pool 2×2\nstride 2", "op", 104), ("conv 5×5, 16 ch\nReLU", "op", 112),
           ("max pool 2×2\nstride 2", "op", 104)]
    spans = _chain(d, top, 56, 48, gap=22, x=20)
    for (a, b), s in zip(spans, ("1×28×28", "6×28×28", "6×14×14", "16×10×10", "16×5×5")):
        d.text((a + b) / 2, 122, s, size=12)
    d.box(8, 168, 664, 120, "", "plain", dashed=True)
    d.text(16, 276, "fully connected layers: features to the ten classes", size=12,
           anchor="start", color=MUTED)
    bottom = [("flatten", "op", 82), ("dense 120\nReLU", "op", 112), ("dense 84\nReLU", "op", 104),
              ("dense 10", "op", 112), ("logits", "output", 104)]
    spans2 = _chain(d, bottom, 190, 48, gap=22, x=20)
    for (a, b), s in zip(spans2, ("400", "120", "84", "10", "one per digit")):
        d.text((a + b) / 2, 254, s, size=12)
    # from the last pool down to flatten, between the two groups
    end = spans[-1]
    d.arrow((end[1], 80), (650, 80), (650, 156), (61, 156), (61, 188))
    return d


@diagram("vgg_block")
def vgg_block() -> Diagram:
    d = Diagram(680, 300, "A VGG block and the small VGG network of the section. The block "
                "repeats n times a 3 by 3 convolution with padding 1 and m output channels "
                "followed by ReLU, then halves height and width with a 2 by 2 max pool. The "
                "network stacks three blocks and ends with dense layers.")
    d.text(20, 20, "VGG block (n, m)", size=13, anchor="start", bold=True)
    y, h = 62, 48
    d.box(20, y, 96, h, "c × H × W", "input", size=12)
    d.box(140, y - 18, 254, h + 36, "", "plain", dashed=True)
    d.text(384, y - 6, "× n", size=13, anchor="end", bold=True)
    d.box(152, y, 138, h, "conv 3×3, pad 1\nm channels", "op", size=12)
    d.box(310, y, 64, h, "ReLU", "op", size=12)
    d.arrow((290, y + h / 2), (308, y + h / 2))
    d.arrow((116, y + h / 2), (150, y + h / 2))
    d.box(420, y, 120, h, "max pool 2×2\nstride 2", "op", size=12)
    d.arrow((374, y + h / 2), (418, y + h / 2))
    d.box(562, y, 106, h, "m × H/2 × W/2", "output", size=12)
    d.arrow((540, y + h / 2), (560, y + h / 2))
    d.text(267, y + h + 32, "height and width kept", size=12, color=MUTED)
    d.text(480, y + h + 32, "halved", size=12, color=MUTED)
    d.text(20, 170, "VGG-mini: blocks (n, m) = (1, 8), (1, 16), (2, 32)", size=13,
           anchor="start", bold=True)
    net = [("image", "input", 70), ("block\n(1, 8)", "op", 84), ("block\n(1, 16)", "op", 84),
           ("block\n(2, 32)", "op", 84), ("flatten, dense 64\nReLU, dropout", "op", 140),
           ("dense 10", "op", 76)]
    spans = _chain(d, net, 200, 48, gap=22, x=20)
    for (a, b), s in zip(spans, ("1×28×28", "8×14×14", "16×7×7", "32×3×3", "64", "10 logits")):
        d.text((a + b) / 2, 266, s, size=12)
    return d


@diagram("inception_block")
def inception_block() -> Diagram:
    d = Diagram(640, 380, "The Inception block of the section: four parallel paths on the same "
                "input, a 1 by 1 convolution, a 1 by 1 then a 3 by 3 convolution, a 1 by 1 then "
                "a 5 by 5 convolution, and a 3 by 3 max pool then a 1 by 1 convolution, whose "
                "outputs are concatenated along the channels.")
    cols = (90, 240, 390, 540)
    w, h = 132, 44
    d.box(30, 320, 580, 38, "input: 16 channels, 14 × 14", "input", size=13)
    d.box(30, 78, 580, 38, "concatenate along channels: 8 + 16 + 8 + 8 = 40 channels, 14 × 14",
          "op", size=13)
    d.box(220, 14, 200, 36, "output 40 × 14 × 14", "output", size=13)
    d.arrow((320, 78), (320, 52))
    lower = [None, ("1×1 conv\n8 channels", "op"), ("1×1 conv\n4 channels", "op"),
             ("3×3 max pool\nstride 1, pad 1", "op")]
    upper = [("1×1 conv\n8 channels", "op"), ("3×3 conv, pad 1\n16 channels", "op"),
             ("5×5 conv, pad 2\n8 channels", "op"), ("1×1 conv\n8 channels", "op")]
    for x, lo, up in zip(cols, lower, upper):
        d.box(x - w / 2, 150, w, h, up[0], up[1], size=12)
        d.arrow((x, 150), (x, 118))
        if lo:
            d.box(x - w / 2, 236, w, h, lo[0], lo[1], size=12)
            d.arrow((x, 320), (x, 282))
            d.arrow((x, 236), (x, 196))
        else:
            d.arrow((x, 320), (x, 196))
    for x, name in zip(cols, ("path 1", "path 2", "path 3", "path 4")):
        d.text(x, 216, name, size=12, color=MUTED) if name != "path 1" else \
            d.text(x + 30, 258, name, size=12, color=MUTED)
    d.text(320, 372, "every convolution is followed by ReLU; padding keeps 14 × 14 on every path",
           size=12, color=MUTED)
    return d


@diagram("batch_norm")
def batch_norm() -> Diagram:
    d = Diagram(680, 360, "Batch normalisation of one feature: in training mode the mean and "
                "variance of the mini-batch normalise the feature, which is then scaled by "
                "gamma and shifted by beta, while moving averages of the statistics are "
                "updated; in evaluation mode the moving averages are used instead.")
    cell, gx, gy = 20, 24, 96
    d.text(64, 58, "mini-batch B", size=12)
    d.text(64, 76, "|B| rows × features", size=11, color=MUTED)
    d.grid(gx, gy, 7, 4, cell, role="input", highlight={(r, 1) for r in range(7)},
           highlight_role="state")
    d.text(64, 282, "one feature\n(convolution: one\nchannel, over the\nbatch and all pixels)",
           size=11, color=MUTED)
    y, h = 120, 56
    d.box(124, y, 112, h, "batch mean\nand variance\nμ" + HAT + "_B, σ" + HAT + "²_B", "op",
          size=12)
    d.arrow((gx + 4 * cell + 2, y + h / 2), (122, y + h / 2))
    d.box(258, y, 190, h, "normalise\n(x − μ" + HAT + "_B) / √(σ" + HAT + "²_B + ε)", "op",
          size=12)
    d.arrow((236, y + h / 2), (256, y + h / 2))
    d.box(470, y, 100, h, "scale, shift\nγ x" + HAT + " + β", "op", size=12)
    d.arrow((448, y + h / 2), (468, y + h / 2))
    d.box(592, y + 8, 70, h - 16, "BN(x)", "output", size=12)
    d.arrow((570, y + h / 2), (590, y + h / 2))
    d.box(480, 40, 80, 34, "γ, β", "param", size=13)
    d.text(520, 26, "learned", size=11, color=MUTED)
    d.arrow((520, 74), (520, y - 2))
    d.text(350, 40, "training mode", size=13, bold=True)
    d.text(350, 60, "statistics of this batch", size=11, color=MUTED)
    # moving averages (buffers)
    d.box(124, 262, 206, 72, "moving averages (buffers)\nμ ← (1 − m) μ + m μ" + HAT +
          "_B\nσ² ← (1 − m) σ² + m σ" + HAT + "²_B", "state", size=12)
    d.arrow((180, y + h), (180, 260), label="training:\nupdate", label_dx=-34, label_dy=0,
            size=11)
    d.arrow((330, 298), (353, 298), (353, y + h + 2), dashed=True)
    d.text(362, 226, "evaluation mode:\nnormalise with μ, σ²\ninstead", size=11,
           anchor="start", color=INK)
    return d


def _residual(d, x0, title, projection):
    """One residual block, bottom to top, with its main path at x0 and shortcut to the right."""
    cx, w, h = x0 + 80, 150, 28
    d.text(x0 + 110, 18, title, size=13, bold=True)
    d.box(cx - 60, 430, 120, 30, "x" if not projection else "x: c_i × H × W", "input", size=12)
    stages = [("3×3 conv" + (", stride s" if projection else ""), 380), ("batch norm", 340),
              ("ReLU", 300), ("3×3 conv", 260), ("batch norm", 220)]
    d.box(cx - w / 2 - 12, 210, w + 24, 206, "", "plain", dashed=True)  # the main path g
    prev = 430
    for label, y in stages:
        d.box(cx - w / 2, y, w, h, label, "op", size=12)
        d.arrow((cx, prev), (cx, y + h + 1))
        prev = y
    d.text(cx - w / 2 - 20, 320, "g(x)", size=13, anchor="end")
    d.circle(cx, 178, 13, "+", role="op", size=16)
    d.arrow((cx, 220), (cx, 192))
    d.box(cx - 40, 122, 80, 28, "ReLU", "op", size=12)
    d.arrow((cx, 165), (cx, 151))
    d.box(cx - 70, 60, 140, 34, "y = ReLU(x + g(x))" if not projection else "y: c_o × H/s × W/s",
          "output", size=12)
    d.arrow((cx, 122), (cx, 96))
    sx = cx + w / 2 + 60
    if projection:
        d.box(sx - 40, 300, 80, 40, "1×1 conv\nstride s", "op", size=12)
        d.arrow((cx + 60, 445), (sx, 445), (sx, 342))
        d.arrow((sx, 300), (sx, 178), (cx + 15, 178))
    else:
        d.arrow((cx + 60, 445), (sx, 445), (sx, 178), (cx + 15, 178))
        d.text(sx + 6, 320, "identity", size=12, anchor="start")


@diagram("residual_block")
def residual_block() -> Diagram:
    d = Diagram(660, 480, "Two residual blocks. The main path g of x is a 3 by 3 convolution, "
                "batch norm, ReLU, a second 3 by 3 convolution and batch norm; the shortcut adds "
                "the input x to it before the final ReLU. When the block changes the channels "
                "or the resolution, the shortcut is a 1 by 1 convolution with the same stride.")
    _residual(d, 60, "same shape: identity shortcut", projection=False)
    _residual(d, 400, "shape changes: 1×1 conv shortcut", projection=True)
    return d


@diagram("transposed_conv")
def transposed_conv() -> Diagram:
    d = Diagram(620, 240, "A transposed convolution with a 2 by 2 input, a 2 by 2 kernel and "
                "stride 1: each input element multiplies the whole kernel, the result is placed "
                "at that element's position in a 3 by 3 output, and the overlapping windows are "
                "added.")
    X = [[0, 1], [2, 3]]
    K = [[0, 1], [2, 3]]
    c = 22
    d.grid(20, 72, 2, 2, c, role="input", values=[[str(v) for v in r] for r in X])
    d.text(44, 52, "input X", size=12)
    d.grid(90, 72, 2, 2, c, role="param", values=[[str(v) for v in r] for r in K])
    d.text(112, 52, "kernel K", size=12)
    d.arrow((146, 91), (184, 91))
    total = [[0] * 3 for _ in range(3)]
    x = 192
    for i in range(2):
        for j in range(2):
            vals = [["" for _ in range(3)] for _ in range(3)]
            cells = set()
            for a in range(2):
                for b in range(2):
                    vals[i + a][j + b] = str(X[i][j] * K[a][b])
                    total[i + a][j + b] += X[i][j] * K[a][b]
                    cells.add((i + a, j + b))
            d.grid(x, 58, 3, 3, c, role="plain", values=vals, highlight=cells,
                   highlight_role="param", size=12)
            d.text(x + 1.5 * c, 40, f"X[{i}, {j}] · K", size=12)
            if (i, j) != (1, 1):
                d.text(x + 3 * c + 8, 91, "+", size=18)
            x += 3 * c + 16
    d.text(x - 8, 91, "=", size=18)
    d.grid(x + 4, 58, 3, 3, c, role="output", values=[[str(v) for v in r] for r in total])
    d.text(x + 4 + 1.5 * c, 40, "output Y", size=12)
    d.text(310, 176, "output height (n_h − 1) s + k_h − 2p = (2 − 1) · 1 + 2 − 0 = 3", size=13)
    d.text(310, 204, "each input element spreads into a k_h × k_w window of the output; "
           "windows start s pixels apart", size=12, color=MUTED)
    return d


@diagram("fine_tuning")
def fine_tuning() -> Diagram:
    d = Diagram(660, 300, "Fine-tuning: a source model with a body and a head is trained on the "
                "digits 0 to 4; the target model copies the body, gets a new randomly "
                "initialised head for the digits 5 to 9, and is trained on the few target "
                "labels with a small learning rate for the body and a larger one for the head.")
    for x, title, data, head, note, role in (
            (30, "source model", "source data: digits 0–4\n2,000 training images",
             "head: 5 classes\n(0–4)", "trained from scratch", "param"),
            (380, "target model", "target data: digits 5–9\na few labels per class",
             "new head: 5 classes\n(5–9), random", "", "param")):
        d.text(x + 125, 20, title, size=13, bold=True)
        d.box(x, 230, 250, 44, data, "input", size=12)
        d.box(x, 120, 250, 80, "", "param")
        d.text(x + 125, 140, "body: 2 conv blocks,", size=12)
        d.text(x + 125, 158, "hidden layer of 64", size=12)
        d.text(x + 125, 180, "small learning rate" if x > 100 else "edges, strokes, blobs", size=12,
               color=INK if x > 100 else MUTED)
        d.box(x + 40, 44, 170, 44, head, "param", size=12)
        d.arrow((x + 125, 230), (x + 125, 202))
        d.arrow((x + 125, 120), (x + 125, 90))
        d.text(x + 218, 66, "larger\nlearning\nrate" if x > 100 else "", size=11, anchor="start")
    d.arrow((282, 160), (376, 160), label="copy the body", label_dy=-12)
    d.text(329, 180, "(all but\nthe head)", size=11, color=MUTED)
    d.text(320, 66, "not copied", size=11, color=MUTED)
    d.line([(245, 66), (282, 66)], color=MUTED, dashed=True)
    return d


@diagram("style_transfer")
def style_transfer() -> Diagram:
    d = Diagram(680, 350, "Style transfer: the content image, the style image and the "
                "synthesised image pass through the same fixed CNN; the content loss compares "
                "deep features with the content image's, the style loss compares Gram matrices "
                "with the style image's, and total variation smooths the pixels. The gradient "
                "of the total loss updates only the pixels of the synthesised image.")
    d.box(20, 30, 130, 44, "content image", "input", size=12)
    d.box(20, 143, 130, 44, "style image", "input", size=12)
    d.box(20, 250, 130, 54, "synthesised image\n(the parameters)", "param", size=12)
    d.box(210, 100, 150, 130, "", "op")
    d.text(285, 122, "fixed CNN", size=13, bold=True)
    d.text(285, 150, "3 blocks of", size=12)
    d.text(285, 168, "conv 3×3 + ReLU", size=12)
    d.text(285, 194, "(random weights,\nnever trained)", size=11, color=MUTED)
    d.arrow((150, 52), (230, 52), (230, 98))
    d.arrow((150, 165), (208, 165))
    d.arrow((150, 262), (230, 262), (230, 232))
    d.box(450, 30, 140, 44, "content loss", "loss", size=12)
    d.box(450, 143, 140, 44, "style loss\n(Gram matrices)", "loss", size=12)
    d.box(450, 268, 140, 44, "total variation", "loss", size=12)
    d.arrow((340, 98), (340, 52), (448, 52), label="layer 2", label_at=0.9, label_dy=-10)
    d.arrow((362, 165), (448, 165), label="layers 0, 1, 2", label_dy=-10)
    d.arrow((150, 290), (448, 290), label="pixels", label_at=0.9, label_dx=110)
    d.box(612, 126, 52, 78, "L", "loss", size=14, bold=True)
    d.arrow((590, 52), (600, 52), (600, 136), (610, 136))
    d.arrow((590, 165), (610, 165))
    d.arrow((590, 290), (600, 290), (600, 194), (610, 194))
    d.arrow((638, 204), (638, 326), (85, 326), (85, 306), color=LOSS_RED, dashed=True)
    d.text(360, 340, "gradient of L: only the pixels of the synthesised image are updated",
           size=12, color=LOSS_RED)
    return d
