"""Chapter 7: sequences and recurrent networks."""
from . import diagram
from .svg import MUTED, ROLES, Diagram

RED = ROLES["loss"][1]
BLUE = ROLES["input"][1]
GREEN = ROLES["op"][1]
GREY = ROLES["plain"][1]


def _dot(d: Diagram, x, y, color="#1f2328"):
    """A junction dot where a line branches."""
    d.items.append(f'<circle cx="{x}" cy="{y}" r="3" fill="{color}"/>')


def _hop(d: Diagram, *points, **kw):
    """An arrow that crosses lines drawn before it: a white halo under it leaves a gap in them."""
    d.line([tuple(p) for p in points], color="#ffffff", width=7)
    d.arrow(*points, **kw)


# ----------------------------------------------------------------------------- 7.1
@diagram("autoregressive_models")
def autoregressive_models() -> Diagram:
    d = Diagram(660, 290, "Two ways to predict the next value of a sequence. Left, a Markov "
                "model of order tau reads a window of the last tau observations. Right, a latent "
                "autoregressive model keeps a running summary h that is updated with each "
                "observation and predicts the next value from it.")
    # left panel: a window of tau = 4 values
    d.text(20, 24, "Markov model: a window of τ values", anchor="start", bold=True, size=13)
    xs = (42, 92, 142, 192, 242, 300)
    labels = ("x_{t-5}", "x_{t-4}", "x_{t-3}", "x_{t-2}", "x_{t-1}", "x_t")
    for i, (x, lab) in enumerate(zip(xs, labels)):
        d.box(x - 20, 210, 40, 34, lab, "output" if i == 5 else "input", size=12,
              dashed=i == 0)
    d.box(66, 200, 202, 54, "", "none", dashed=True)
    d.text(167, 268, "window, τ = 4", size=12, color=MUTED)
    fx = (xs[1] + xs[4]) / 2
    d.box(fx - 50, 100, 100, 44, "f", "op")
    for x in xs[1:5]:
        d.arrow((x, 200), (fx + (x - fx) * 0.5, 146))
    d.arrow((fx + 50, 122), (xs[5], 122), (xs[5], 208))
    d.text(xs[5] + 8, 165, "x̂_t", anchor="start", size=13)
    d.text(84, 60, "x̂_t = f(x_{t-1}, …, x_{t-τ})", anchor="start", size=13)
    # right panel: a running summary
    d.text(352, 24, "latent autoregressive: a summary", anchor="start", bold=True, size=13)
    cols = (430, 520, 610)
    d.box(352, 102, 34, 36, "…", "state")
    for i, x in enumerate(cols):
        d.box(x - 26, 102, 52, 36, ("h_{t-1}", "h_t", "h_{t+1}")[i], "state", size=13)
        d.box(x - 24, 210, 48, 34, ("x_{t-2}", "x_{t-1}", "x_t")[i], "input", size=12)
        d.box(x - 26, 44, 52, 30, ("x̂_{t-1}", "x̂_t", "x̂_{t+1}")[i], "output", size=12)
        d.arrow((x, 210), (x, 140))
        d.arrow((x, 102), (x, 76), label="f", label_dx=10, label_dy=0)
        prev = cols[i - 1] + 26 if i else 386
        d.arrow((prev, 120), (x - 28, 120))
    d.text(505, 268, "h_t = g(h_{t-1}, x_{t-1}),   x̂_t = f(h_t)", size=13)
    return d


# ----------------------------------------------------------------------------- 7.4
@diagram("rnn_unrolled")
def rnn_unrolled() -> Diagram:
    d = Diagram(640, 310, "A recurrent network unrolled over three time steps: at every "
                "step the input and the previous hidden state enter the same cell, with the "
                "same weights, which outputs the new hidden state and the step's output.")
    xs = (170, 350, 530)
    d.box(22, 132, 52, 36, "h_0", "state")
    for i, x in enumerate(xs, start=1):
        d.box(x - 56, 120, 112, 60, "RNN cell\nh_t = tanh(·)", "op", size=13)
        d.box(x - 30, 230, 60, 36, f"x_{i}", "input")
        d.box(x - 30, 24, 60, 36, f"o_{i}", "output")
        d.arrow((x, 230), (x, 182), label="W_xh", label_dx=24, label_dy=0)
        d.arrow((x, 120), (x, 62), label="W_hq", label_dx=24, label_dy=0)
        prev = xs[i - 2] + 56 if i > 1 else 74
        d.arrow((prev, 150), (x - 58, 150), label=f"h_{i - 1}" if i > 1 else "")
        d.text((prev + x - 58) / 2, 164, "W_hh", size=12)
    d.arrow((586, 150), (628, 150), label="h_3")
    d.text(607, 164, "W_hh", size=12)
    d.legend(40, 292, {"input": "input", "state": "state",
                       "op": "the same cell and weights at every step", "output": "output"})
    return d


@diagram("rnn_bptt")
def rnn_bptt() -> Diagram:
    d = Diagram(660, 420, "Backpropagation through time on an RNN unrolled over four steps. "
                "The forward pass runs up and to the right, from the inputs through the hidden "
                "states to a loss at each step. Gradients run back down and to the left: the "
                "gradient of the last loss reaches an early hidden state through one Jacobian "
                "per step.")
    xs = (130, 280, 430, 580)
    yl, yo, yh, yx = 30, 110, 200, 300   # tops of the loss, output, hidden, input rows
    for i, x in enumerate(xs, start=1):
        t = str(i)
        d.box(x - 30, yl, 60, 34, f"ℓ_{t}", "loss")
        d.box(x - 30, yo, 60, 34, f"o_{t}", "output")
        d.box(x - 34, yh, 68, 40, f"h_{t}", "state")
        d.box(x - 30, yx, 60, 34, f"x_{t}", "input")
        # forward: up, on the left of the centre line
        d.arrow((x - 10, yx), (x - 10, yh + 42))
        d.arrow((x - 10, yh), (x - 10, yo + 36))
        d.arrow((x - 10, yo), (x - 10, yl + 36))
        # backward: down, on the right
        d.arrow((x + 10, yl + 34), (x + 10, yo - 2), color=RED, dashed=True)
        d.arrow((x + 10, yo + 34), (x + 10, yh - 2), color=RED, dashed=True)
    d.box(22, yh, 60, 40, "h_0", "state")
    d.arrow((82, yh + 12), (xs[0] - 36, yh + 12))
    for a, b in zip(xs, xs[1:]):
        d.arrow((a + 34, yh + 12), (b - 36, yh + 12), label="W_hh", label_dy=-10)
        i = xs.index(b) + 1
        d.arrow((b - 34, yh + 30), (a + 36, yh + 30), color=RED, dashed=True,
                label=f"∂h_{{{i}}}/∂h_{{{i - 1}}}", label_dy=16)
    d.text(330, 372, "∂ℓ_{4}/∂h_{1} = ∂ℓ_{4}/∂h_{4} · ∂h_{4}/∂h_{3} · ∂h_{3}/∂h_{2} · ∂h_{2}/∂h_{1}",
           size=14, color=RED)
    d.line([(40, 398), (62, 398)], width=1.5)
    d.text(68, 398, "forward pass", size=12, anchor="start")
    d.line([(180, 398), (202, 398)], color=RED, dashed=True)
    d.text(208, 398, "gradients (backward pass)", size=12, anchor="start")
    d.text(400, 398, "the same W_hh in every Jacobian", size=12, anchor="start", color=MUTED)
    return d


# ----------------------------------------------------------------------------- 7.5
@diagram("gru_cell")
def gru_cell() -> Diagram:
    d = Diagram(660, 380, "The GRU cell. The previous hidden state and the input feed the reset "
                "gate, the update gate and the candidate state; the reset gate scales how much of "
                "the old state enters the candidate, and the update gate mixes the old state and "
                "the candidate into the new hidden state.")
    rail, bus, gy = 58, 280, 170
    d.box(20, rail - 18, 76, 36, "h_{t-1}", "state")
    d.box(574, rail - 18, 66, 36, "h_t", "state")
    # the gates and the candidate
    d.box(120, gy, 120, 52, "update gate\nz_t = σ(·)", "op", size=13)
    d.box(270, gy, 120, 52, "reset gate\nr_t = σ(·)", "op", size=13)
    d.box(420, gy, 124, 52, "candidate\nh̃_t = tanh(·)", "op", size=13)
    # the input bus: h_{t-1} drops from the rail, x_t joins it
    d.arrow((96, rail), (180 - 16, rail))
    d.line([(110, rail), (110, bus), (482, bus)])
    _dot(d, 110, rail)
    d.box(117, 318, 56, 34, "x_t", "input")
    d.arrow((145, 318), (145, bus + 2))
    _dot(d, 145, bus)
    for x in (180, 330, 482):
        _dot(d, x, bus) if x != 482 else None
        d.arrow((x, bus), (x, gy + 54))
    d.text(300, bus + 14, "x_t and h_{t-1}", size=12, color=MUTED)
    # the update: h_t = z * h_{t-1} + (1 - z) * candidate
    d.circle(180, rail, 14, "⊙", "op")
    d.circle(482, rail, 14, "+", "op")
    d.circle(300, 124, 15, "1−", "op", size=12)
    d.circle(482, 124, 14, "⊙", "op")
    d.arrow((194, rail), (466, rail))
    d.arrow((496, rail), (572, rail))
    d.arrow((180, gy), (180, rail + 16), label="z_t", label_dx=-16, label_dy=20)
    _dot(d, 180, 124)
    d.arrow((180, 124), (283, 124))
    d.arrow((315, 124), (466, 124), label="1 − z_t", label_dy=-10)
    d.arrow((390, gy + 26), (418, gy + 26))
    d.text(404, gy + 12, "r_t", size=12)
    d.arrow((482, gy), (482, 140), label="h̃_t", label_dx=18, label_dy=0)
    d.arrow((482, 110), (482, rail + 16))
    d.text(330, 30, "h_t = z_t ⊙ h_{t-1} + (1 − z_t) ⊙ h̃_t", size=13)
    d.legend(230, 335, {"state": "hidden state", "input": "input", "op": "gates and operations"})
    d.text(230, 360, "⊙ elementwise product", size=12, anchor="start")
    return d


@diagram("lstm_cell")
def lstm_cell() -> Diagram:
    d = Diagram(680, 430, "The LSTM cell. The memory cell runs along the top: the forget gate "
                "scales the old cell, and the input gate adds a share of the candidate. The output "
                "gate decides how much of the squashed cell becomes the new hidden state. All "
                "three gates and the candidate are computed from the input and the previous "
                "hidden state.")
    rail, bus, gy = 62, 340, 244
    d.box(16, rail - 18, 70, 36, "c_{t-1}", "state")
    d.box(610, rail - 18, 60, 36, "c_t", "state")
    d.text(270, rail - 24, "memory cell", size=12, color=MUTED, italic=True)
    # gates
    gates = ((190, "forget gate\nf_t = σ(·)"), (300, "input gate\ni_t = σ(·)"),
             (410, "candidate\nc̃_t = tanh(·)"), (560, "output gate\no_t = σ(·)"))
    for x, lab in gates:
        d.box(x - 52, gy, 104, 52, lab, "op", size=13)
    # input bus: h_{t-1} from the left, x_t from below
    d.box(16, bus - 18, 70, 36, "h_{t-1}", "state")
    d.line([(86, bus), (560, bus)])
    d.box(112, 372, 56, 34, "x_t", "input")
    d.arrow((140, 372), (140, bus + 2))
    _dot(d, 140, bus)
    for x, _ in gates:
        if x != 560:
            _dot(d, x, bus)
        d.arrow((x, bus), (x, gy + 54))
    d.text(480, bus + 14, "x_t and h_{t-1}", size=12, color=MUTED)
    # the memory cell: c_t = f * c_{t-1} + i * candidate
    d.circle(190, rail, 14, "⊙", "op")
    d.circle(355, rail, 14, "+", "op")
    d.circle(355, 160, 14, "⊙", "op")
    d.arrow((86, rail), (174, rail))
    d.arrow((204, rail), (339, rail))
    d.arrow((369, rail), (608, rail))
    d.arrow((190, gy), (190, rail + 16), label="f_t", label_dx=-16, label_dy=40)
    d.arrow((300, gy), (300, 160), (339, 160), label="i_t", label_at=0, label_dx=-16,
            label_dy=0)
    d.arrow((410, gy), (410, 160), (371, 160), label="c̃_t", label_at=0, label_dx=18,
            label_dy=0)
    d.arrow((355, 146), (355, rail + 16))
    # the hidden state: h_t = o * tanh(c_t)
    _dot(d, 560, rail)
    d.box(530, 104, 60, 30, "tanh", "op", size=13)
    d.circle(560, 190, 14, "⊙", "op")
    d.arrow((560, rail), (560, 102))
    d.arrow((560, 134), (560, 174))
    d.arrow((560, gy), (560, 206), label="o_t", label_dx=18, label_dy=0)
    d.box(610, 172, 60, 36, "h_t", "state")
    d.arrow((574, 190), (608, 190))
    d.text(340, 400, "c_t = f_t ⊙ c_{t-1} + i_t ⊙ c̃_t,    h_t = o_t ⊙ tanh(c_t)", size=13)
    d.text(340, 421, "⊙ elementwise product", size=12, color=MUTED)
    return d


# ----------------------------------------------------------------------------- 7.6
@diagram("deep_rnn")
def deep_rnn() -> Diagram:
    d = Diagram(640, 420, "A deep RNN with three layers unrolled over three time steps. Layer "
                "one reads the inputs, every higher layer reads the hidden states of the layer "
                "below at the same step, each layer carries its own hidden state through time, "
                "and the output layer reads the top layer.")
    xs = (230, 380, 530)
    rows = {1: 280, 2: 200, 3: 120}       # centre y of each layer's hidden states
    for l, y in rows.items():
        d.text(20, y, f"layer {l}", anchor="start", size=13, color=MUTED)
        d.box(96, y - 16, 52, 32, f"h_0^{{({l})}}", "state", size=13)
        prev = 148
        for t, x in enumerate(xs, start=1):
            d.box(x - 36, y - 18, 72, 36, f"h_{t}^{{({l})}}", "state")
            d.arrow((prev, y), (x - 38, y))
            prev = x + 36
        d.arrow((prev, y), (622, y))
    for t, x in enumerate(xs, start=1):
        d.box(x - 28, 344, 56, 34, f"x_{t}", "input")
        d.box(x - 28, 30, 56, 34, f"o_{t}", "output")
        d.arrow((x, 344), (x, rows[1] + 20))
        d.arrow((x, rows[1] - 18), (x, rows[2] + 20))
        d.arrow((x, rows[2] - 18), (x, rows[3] + 20))
        d.arrow((x, rows[3] - 18), (x, 66))
    d.text(20, 361, "input", anchor="start", size=13, color=MUTED)
    d.text(20, 47, "output", anchor="start", size=13, color=MUTED)
    d.text(305, 188, "W_hh^{(2)}", size=11, color=MUTED)
    d.text(236, 241, "W_xh^{(2)}", size=11, color=MUTED, anchor="start")
    d.text(320, 400, "h_t^{(l)} = φ(h_t^{(l-1)} W_xh^{(l)} + h_{t-1}^{(l)} W_hh^{(l)} + b_h^{(l)})",
           size=13)
    return d


@diagram("bidirectional_rnn")
def bidirectional_rnn() -> Diagram:
    d = Diagram(660, 370, "A bidirectional RNN over three time steps. A forward RNN reads the "
                "inputs from left to right, a backward RNN with its own weights reads them from "
                "right to left, and the state at each step is the two hidden states "
                "concatenated.")
    xs = (230, 380, 530)
    yf, yb, yc, yx = 216, 136, 44, 296     # centres: forward, backward, concatenated, input
    d.text(16, yx, "input", anchor="start", size=13, color=MUTED)
    d.text(16, yf, "forward", anchor="start", size=13, color=MUTED)
    d.text(16, yb, "backward", anchor="start", size=13, color=MUTED)
    d.text(16, yc, "concatenated", anchor="start", size=13, color=MUTED)
    fw, bw = "→h", "←h"                  # the forward and the backward state
    for t, x in enumerate(xs, start=1):
        d.box(x - 56, yf - 18, 60, 36, f"{fw}_{{{t}}}", "state")
        d.box(x - 4, yb - 18, 60, 36, f"{bw}_{{{t}}}", "state")
    # forward chain (left to right), backward chain (right to left)
    d.arrow((120, yf), (xs[0] - 58, yf))
    for a, b in zip(xs, xs[1:]):
        d.arrow((a + 4, yf), (b - 58, yf))
        d.arrow((b - 4, yb), (a + 58, yb))
    d.arrow((xs[-1] + 4, yf), (620, yf))
    d.arrow((640, yb), (xs[-1] + 58, yb))
    d.arrow((xs[0] - 4, yb), (120, yb))
    for t, x in enumerate(xs, start=1):
        d.box(x - 30, yx - 17, 60, 34, f"x_{t}", "input")
        d.arrow((x - 26, yx - 17), (x - 26, yf + 20))
        _hop(d, (x + 26, yx - 17), (x + 26, yb + 20))
        d.box(x - 62, yc - 18, 124, 36, f"[{fw}_{{{t}}} ; {bw}_{{{t}}}]", "state", size=13)
        _hop(d, (x - 40, yf - 18), (x - 40, yc + 20))
        d.arrow((x + 26, yb - 18), (x + 26, yc + 20))
    d.text(330, 346, f"h_t = [{fw}_{{t}} ; {bw}_{{t}}]: step t sees its past through {fw}_{{t}} "
           f"and its future through {bw}_{{t}}", size=13)
    return d


# ----------------------------------------------------------------------------- 7.7
@diagram("seq2seq_teacher_forcing")
def seq2seq_teacher_forcing() -> Diagram:
    d = Diagram(680, 556, "The sequence to sequence model. An encoder GRU reads the source; its "
                "final hidden state, the context c, is the decoder's initial state and is also fed "
                "to the decoder at every step. In training the decoder reads bos followed by the "
                "true target shifted right; at inference it reads its own previous prediction.")
    purple = ROLES["output"][1]

    def decoder(top, xs, inputs, outputs, feed_back, c_from):
        """Decoder cells at x centres ``xs``; the context arrives at (c_from) on the left."""
        y, bus = top + 128, top + 190
        cx, c_y = c_from
        d.arrow((cx, c_y), (xs[0] - 30, y), label="c = h_S", label_dy=-12)
        _dot(d, cx + 16, y)
        d.line([(cx + 16, y), (cx + 16, bus), (xs[-1] + 14, bus)])
        for i, x in enumerate(xs):
            if i < len(xs) - 1:
                _dot(d, x + 14, bus)
            d.arrow((x + 14, bus), (x + 14, y + 24))
            d.box(x - 28, y - 22, 56, 44, "GRU", "op", size=13)
            if i:
                d.arrow((xs[i - 1] + 28, y), (x - 30, y))
            role = "output" if feed_back and i else "input"
            d.box(x - 28, top + 220, 56, 32, inputs[i], role, size=13)
            _hop(d, (x - 12, top + 220), (x - 12, y + 24))
            d.box(x - 24, top + 30, 48, 32, outputs[i], "output", size=13)
            d.arrow((x, y - 22), (x, top + 64))
        if feed_back:
            for a, b in zip(xs, xs[1:]):
                mid = (a + b) / 2
                _hop(d, (a + 24, top + 46), (mid, top + 46), (mid, top + 236),
                     (b - 30, top + 236), color=purple, dashed=True)

    # training: the encoder over the source, the decoder over <bos> + the shifted target
    enc = (50, 130, 230)
    y = 128
    d.text(16, 18, "training: teacher forcing", anchor="start", bold=True, size=13)
    for x, tok in zip(enc, ("x_1", "x_2", "x_S")):
        d.box(x - 28, y - 22, 56, 44, "GRU", "op", size=13)
        d.box(x - 26, 220, 52, 32, tok, "input", size=13)
        d.arrow((x, 220), (x, y + 24))
    d.arrow((enc[0] + 28, y), (enc[1] - 30, y))
    d.line([(enc[1] + 28, y), (enc[1] + 44, y)], dashed=True)
    d.text(enc[1] + 50, y, "…", size=14)
    d.arrow((enc[2] - 44, y), (enc[2] - 30, y))
    d.text(140, 70, "encoder", size=12, color=MUTED)
    d.text(492, 84, "decoder", size=12, color=MUTED)
    d.text(140, 270, "source", size=12, color=MUTED)
    dec = (380, 455, 530, 605)
    decoder(0, dec, ("<bos>", "2", "0", "0"), ("2", "0", "0", "6"), False, (enc[2] + 28, y))
    d.text(492, 18, "trained to predict the target 2006-10-04 <eos>", size=12, color=MUTED)
    d.text(492, 270, "decoder inputs: <bos> + target shifted right", size=12, color=MUTED)
    d.line([(16, 288), (664, 288)], color=GREY, dashed=True)
    # inference: the decoder alone, fed its own predictions
    top = 290
    d.text(16, top + 18, "inference: the decoder reads its own predictions", anchor="start",
           bold=True, size=13)
    d.box(20, top + 110, 56, 36, "c", "state")
    decoder(top, (200, 330, 460, 590), ("<bos>", "2", "0", "0"), ("2", "0", "0", "6"), True,
            (76, top + 128))
    return d


# ----------------------------------------------------------------------------- 7.8
@diagram("beam_search_tree")
def beam_search_tree() -> Diagram:
    d = Diagram(680, 400, "Beam search with beam width two on the section's small example. "
                "At each step every kept sequence is extended by every token and only the two "
                "most probable candidates stay in the beam. Greedy search commits to A and ends "
                "with probability 0.20; the beam keeps B alive and finds B B with probability "
                "0.36.")
    col = (50, 190, 360, 560)              # x centres: start, step 1, step 2, step 3
    w, h = 112, 30
    for x, name in zip(col[1:], ("step 1", "step 2", "step 3")):
        d.text(x, 22, name, size=13, bold=True)

    def node(x, y, label, role, dashed=False):
        d.box(x - w / 2, y - h / 2, w, h, label, role, size=13, dashed=dashed)

    def edge(a, b, color="#1f2328", dashed=False, width=1.5):
        (x0, y0), (x1, y1) = a, b
        d.arrow((x0 + w / 2 if x0 > col[0] else x0 + 28, y0), (x1 - w / 2 - 2, y1), color=color,
                dashed=dashed, width=width)

    root = (col[0], 150)
    d.box(col[0] - 28, 135, 56, 30, "start", "plain", size=13)
    A, B, E = (col[1], 100), (col[1], 230), (col[1], 320)
    AA, AB, AE = (col[2], 50), (col[2], 100), (col[2], 150)
    BA, BB, BE = (col[2], 200), (col[2], 250), (col[2], 300)
    AE3, BBE = (col[3], 150), (col[3], 250)
    keep, pruned = "state", "plain"
    node(*A, "A   0.50", keep)
    node(*B, "B   0.40", keep)
    node(*E, "<eos>   0.10", pruned, True)
    node(*AA, "A A   0.15", pruned, True)
    node(*AB, "A B   0.15", pruned, True)
    node(*AE, "A <eos>   0.20", keep)
    node(*BA, "B A   0.02", pruned, True)
    node(*BB, "B B   0.36", keep)
    node(*BE, "B <eos>   0.02", pruned, True)
    node(*AE3, "A <eos>   0.20", "output")
    d.box(BBE[0] - 70, BBE[1] - 15, 140, 30, "B B <eos>   0.36", "output", size=13)
    for a, b in ((root, B), (root, E), (A, AA), (A, AB), (B, BA), (B, BE)):
        edge(a, b, color=GREY)
    edge(B, BB, color=GREEN, width=2.5)
    edge(root, A, color=BLUE, width=2.5)
    edge(A, AE, color=BLUE, width=2.5)
    d.arrow((AE[0] + w / 2, AE[1]), (AE3[0] - w / 2 - 2, AE3[1]), color=GREY, dashed=True)
    d.text((AE[0] + AE3[0]) / 2, AE[1] - 24, "finished:\ncarried over", size=11, color=GREY)
    d.arrow((BB[0] + w / 2, BB[1]), (BBE[0] - 72, BBE[1]), color=GREEN, width=2.5)
    d.text(BBE[0], BBE[1] + 28, "beam search: most probable", size=12, color=GREEN)
    d.text(AE3[0], AE3[1] + 28, "greedy search ends here", size=12, color=BLUE)
    d.legend(20, 362, {"state": "in the beam (k = 2)", "plain": "pruned", "output": "finished"})
    d.line([(380, 362), (406, 362)], color=BLUE, width=2.5)
    d.text(412, 362, "greedy path", size=12, anchor="start")
    d.line([(520, 362), (546, 362)], color=GREEN, width=2.5)
    d.text(552, 362, "beam's best path", size=12, anchor="start")
    d.text(340, 388, "numbers: probability of the sequence so far (the score is its log)",
           size=12, color=MUTED)
    return d


# ----------------------------------------------------------------------------- 7.2
@diagram("lm_windows")
def lm_windows() -> Diagram:
    d = Diagram(640, 272, "A text of thirteen characters cut into three training windows of "
                "four characters. Each window is an input, and its target is the same stretch "
                "of text shifted by one character, so at every position the target is the next "
                "character.")
    chars = list("to be, or not")
    show = ["␣" if c == " " else c for c in chars]
    cell, x0 = 38, 120
    rows = {"text": 40, "X: inputs": 110, "Y: targets": 170}
    for name, y in rows.items():
        d.text(16, y + cell / 2, name, anchor="start", size=13, color=MUTED)
    d.grid(x0, rows["text"], 1, len(show), cell, role="plain", values=[show])
    for i in range(len(show)):
        d.text(x0 + (i + 0.5) * cell, rows["text"] - 10, str(i), size=10, color=MUTED)
    seq_len = 4
    for w in range(3):
        a = w * seq_len
        d.grid(x0 + a * cell, rows["X: inputs"], 1, seq_len, cell, role="input",
               values=[show[a:a + seq_len]])
        d.grid(x0 + (a + 1) * cell, rows["Y: targets"], 1, seq_len, cell, role="output",
               values=[show[a + 1:a + 1 + seq_len]])
        for top, shift in ((rows["X: inputs"], 0), (rows["Y: targets"], 1)):
            for edge in (a + shift, a + shift + seq_len):
                xe = x0 + edge * cell
                d.line([(xe, top - 5), (xe, top + cell + 5)], width=3)
        d.text(x0 + (a + 0.5 + seq_len / 2) * cell, rows["Y: targets"] + cell + 16,
               f"window {w + 1}", size=12, color=MUTED)
    d.text(320, 254, "windows of 4 characters: the target at each position is the next character",
           size=12)
    return d


# ----------------------------------------------------------------------------- 7.9
@diagram("rnn_four_shapes")
def rnn_four_shapes() -> Diagram:
    d = Diagram(680, 480, "The four shapes of a recurrent network, each unrolled over a few "
                "steps. One to many: one input, an image, and an output at every step, a "
                "caption. Many to one: an input at every step and one output after the last. "
                "Many to many, aligned: an output at every step for the input at that step. "
                "Many to many, unaligned: an encoder reads the whole input, then a decoder "
                "writes an output of another length.")
    purple = ROLES["output"][1]

    def panel(ox, oy, title, note, cells, inputs, outputs, feed_back=False):
        """cells: labels of the unrolled cells; inputs/outputs: step -> label."""
        d.text(ox + 8, oy + 16, title, anchor="start", bold=True, size=13)
        d.text(ox + 8, oy + 36, note, anchor="start", size=12, color=MUTED)
        step = 300 / len(cells)
        xs = [ox + 14 + step * (i + 0.5) for i in range(len(cells))]
        cy, w = oy + 124, 46
        for i, (x, lab) in enumerate(zip(xs, cells)):
            d.box(x - w / 2, cy - 17, w, 34, lab, "op", size=12)
            if i:
                d.arrow((xs[i - 1] + w / 2, cy), (x - w / 2 - 2, cy))
        for i, lab in inputs.items():
            x = xs[i]
            d.box(x - w / 2, oy + 176, w, 30, lab, "input", size=12)
            d.arrow((x, oy + 176), (x, cy + 19))
        for i, lab in outputs.items():
            x = xs[i]
            d.box(x - w / 2, oy + 52, w, 30, lab, "output", size=12)
            d.arrow((x, cy - 17), (x, oy + 84))
            if feed_back and i + 1 < len(xs) and i + 1 in outputs:
                d.arrow((x + w / 2, oy + 76), (xs[i + 1] - w / 2 + 6, cy - 19),
                        color=purple, dashed=True)
        return xs

    left, right, top, bottom = 12, 352, 10, 240
    panel(left, top, "one-to-many", "image captioning (this section)",
          ["GRU"] * 4, {0: "image"}, {0: "red", 1: "circle", 2: "left", 3: "…"},
          feed_back=True)
    panel(right, top, "many-to-one", "classifying a sequence (section 7.5)",
          ["GRU"] * 4, {i: f"x_{i + 1}" for i in range(4)}, {3: "label"})
    panel(left, bottom, "many-to-many, aligned",
          "a label for every frame (this section)", ["GRU"] * 4,
          {i: f"x_{i + 1}" for i in range(4)}, {i: f"y_{i + 1}" for i in range(4)})
    xs = panel(right, bottom, "many-to-many, unaligned",
               "translation (section 7.7)", ["enc"] * 3 + ["dec"] * 2,
               {i: f"x_{i + 1}" for i in range(3)}, {3: "y_1", 4: "y_2"}, feed_back=True)
    d.text((xs[0] + xs[2]) / 2, bottom + 70, "encoder reads", size=12, color=MUTED)
    d.text((xs[3] + xs[4]) / 2, bottom + 190, "decoder writes", size=12, color=MUTED)
    d.line([(340, 18), (340, 452)], color=GREY, dashed=True)
    d.line([(18, 234), (662, 234)], color=GREY, dashed=True)
    d.legend(20, 464, {"input": "input", "op": "the same cell at every step",
                       "output": "output"})
    d.line([(390, 464), (416, 464)], color=purple, dashed=True)
    d.text(422, 464, "an output fed back as the next input", size=12, anchor="start")
    return d
