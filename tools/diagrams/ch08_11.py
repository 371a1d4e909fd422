"""Chapters 8 to 11: attention, the Transformer, BERT and the Vision Transformer."""
from . import diagram
from .svg import MUTED, Diagram


def _residual(d, x_branch, y_branch, x_side, y_target, x_target):
    """A residual connection: from the main line at (x_branch, y_branch), out to x_side, up to
    y_target and into the add & norm box's side at x_target."""
    d.arrow((x_branch, y_branch), (x_side, y_branch), (x_side, y_target), (x_target, y_target))


@diagram("attention_pooling")
def attention_pooling() -> Diagram:
    d = Diagram(640, 450, "Attention pooling: a scoring function compares the query with "
                "every key, a softmax turns the scores into attention weights, and the output "
                "is the sum of the values weighted by them.")
    cols = {1: 200, 2: 320, "n": 510}
    dots_x = 415
    # the scoring functions form one group that the query enters
    d.box(140, 292, 430, 54, "", "none", dashed=True)
    d.text(355, 282, "scoring function a, once per key", size=12, color=MUTED)
    d.box(20, 301, 70, 36, "q", "input")
    d.text(55, 355, "query", size=12, color=MUTED)
    d.arrow((90, 319), (138, 319))
    for i, x in cols.items():
        d.box(x - 30, 384, 60, 34, f"k_{i}", "input")
        d.arrow((x, 384), (x, 339))
        d.box(x - 50, 301, 100, 36, f"a(q, k_{i})", "op", size=13)
        d.arrow((x, 301), (x, 262))
        d.arrow((x, 224), (x, 196))
        d.box(x - 50, 160, 100, 36, f"α(q, k_{i})", "plain", size=13)
        d.arrow((x, 160), (x, 128))
        d.circle(x, 114, 14, "×")
        d.box(x + 22, 97, 42, 34, f"v_{i}", "input")
        d.arrow((x + 22, 114), (x + 16, 114))
        d.arrow((x, 100), (x, 72))
    for y in (319, 178, 114, 401):
        d.text(dots_x, y, "⋯", size=18, color=MUTED)
    d.text(55, 401, "keys", size=12, color=MUTED)
    d.box(150, 224, 410, 38, "softmax over the n scores", "op")
    d.text(600, 178, "weights", size=12, color=MUTED)
    d.text(605, 114, "values", size=12, color=MUTED)
    d.box(150, 34, 410, 38, "sum over i", "op")
    d.arrow((560, 53), (588, 53))
    d.box(590, 35, 40, 36, "f(q)", "output", size=13)
    return d


@diagram("bahdanau_decoder")
def bahdanau_decoder() -> Diagram:
    d = Diagram(670, 450, "One decoder step of Bahdanau attention: the previous decoder state "
                "is the query, the encoder hidden states are the keys and the values, and the "
                "context vector is concatenated with the embedded input token before the "
                "decoder GRU computes the new state.")
    xs = {1: 270, 2: 370, "T": 570}
    # encoder, bottom
    d.text(60, 340, "encoder", size=13, color=MUTED)
    prev = None
    for t, x in xs.items():
        d.box(x - 30, 394, 60, 34, f"x_{t}", "input")
        d.arrow((x, 394), (x, 360))
        d.box(x - 35, 322, 70, 36, "GRU", "op")
        d.arrow((x, 322), (x, 290))
        d.box(x - 30, 256, 60, 34, f"h_{t}", "state")
        d.arrow((x, 256), (x, 212))
        if prev is not None and t != "T":
            d.arrow((prev + 35, 340), (x - 37, 340))
        prev = x
    d.arrow((405, 340), (450, 340))
    d.text(470, 340, "⋯", size=18, color=MUTED)
    d.arrow((490, 340), (533, 340))
    for y in (273, 411):
        d.text(470, y, "⋯", size=18, color=MUTED)
    d.text(470, 230, "keys = values", size=12, color=MUTED)
    # attention
    d.box(200, 170, 440, 40, "additive attention, masked to the valid source length", "op",
          size=13)
    d.box(20, 172, 90, 36, "s_{t'-1}", "state")
    d.arrow((110, 190), (198, 190), label="query")
    # decoder step
    d.text(106, 110, "decoder\nstep t'", size=13, color=MUTED)
    d.box(150, 92, 100, 36, "input token", "input", size=13)
    d.arrow((250, 110), (278, 110))
    d.box(280, 92, 100, 36, "embedding", "param", size=13)
    d.arrow((380, 110), (408, 110))
    d.box(410, 92, 70, 36, "concat", "op", size=13)
    d.arrow((445, 170), (445, 130), label="c_{t'}", label_dx=20, label_dy=0)
    d.arrow((480, 110), (508, 110))
    d.box(510, 92, 60, 36, "GRU", "op")
    d.arrow((65, 172), (65, 50), (540, 50), (540, 90))
    d.arrow((570, 110), (598, 110))
    d.box(600, 92, 56, 36, "s_{t'}", "state")
    d.arrow((628, 92), (628, 58), label="dense", label_dx=-26, label_dy=0)
    d.box(580, 20, 78, 36, "logits", "output", size=13)
    return d


@diagram("multihead_attention")
def multihead_attention() -> Diagram:
    d = Diagram(520, 500, "Multi-head attention: each of the h heads projects the queries, "
                "keys and values with its own matrices and runs scaled dot-product attention; "
                "the head outputs are concatenated and mixed by the output matrix Wₒ.")
    left, top, w, h = 60, 196, 340, 200
    for k in (2, 1):  # the other heads, stacked behind head i
        d.box(left + 12 * k, top - 12 * k, w, h, "", "plain")
    d.box(left, top, w, h, "", "plain")
    d.text(left + 10, top + 16, "head i  (i = 1, …, h)", size=12, anchor="start", color=MUTED)
    xs = (130, 230, 330)
    names = ("queries", "keys", "values")
    for x, name, m in zip(xs, names, "qkv"):
        d.box(x - 42, 440, 84, 34, name, "input", size=13)
        d.arrow((x, 440), (x, 370))
        d.box(x - 36, 334, 72, 36, f"W_i^{{({m})}}", "param")
        d.arrow((x, 334), (x, 298))
    d.box(80, 258, 300, 40, "scaled dot-product attention", "op")
    d.arrow((230, 258), (230, 240))
    d.box(200, 208, 60, 32, "h_i", "state")
    d.arrow((230, 208), (230, 152))
    for k in (1, 2):
        d.arrow((230 + 40 * k, top - 12 * k), (230 + 40 * k, 152))
    d.box(80, 114, 300, 38, "concatenate [h_1; …; h_h]", "op")
    d.arrow((230, 114), (230, 96))
    d.box(190, 60, 80, 36, "W_o", "param")
    d.arrow((230, 60), (230, 44))
    d.box(180, 10, 100, 34, "output", "output", size=13)
    d.text(434, 230, "h heads,\nin parallel", size=12, color=MUTED, anchor="start")
    return d


@diagram("transformer_architecture")
def transformer_architecture() -> Diagram:
    d = Diagram(680, 602, "The Transformer: on the left the encoder, a stack of N blocks of "
                "multi-head self-attention and a position-wise feed-forward network; on the "
                "right the decoder, a stack of N blocks of masked self-attention, "
                "encoder-decoder attention and a feed-forward network. Every sub-layer is "
                "followed by add and norm, both stacks start from embeddings plus positional "
                "encoding, and a final linear layer gives the scores.")
    bw, sub_h, an_h, gap = 200, 34, 28, 14
    enc_x, dec_x = 90, 390                     # left edges of the two columns
    ys = []                                    # top of each of the six decoder boxes, bottom up
    y = 390
    for k in range(6):
        hgt = sub_h if k % 2 == 0 else an_h
        y -= hgt
        ys.append((y, hgt))
        y -= gap
    group_bottom, group_top = 390 + 12, ys[-1][0] - 12

    def column(x0, labels, side):
        cx = x0 + bw / 2
        boxes = []
        for k, label in enumerate(labels):
            yk, hk = ys[k]
            d.box(x0, yk, bw, hk, label, "op", size=13 if k % 2 == 0 else 12)
            boxes.append((yk, hk))
        # main line and residual connections
        d.arrow((cx, group_bottom + 40), (cx, boxes[0][0] + boxes[0][1]))
        for k in range(0, len(labels), 2):
            ys_top, ys_h = boxes[k]
            an_top, an_h2 = boxes[k + 1]
            d.arrow((cx, ys_top), (cx, an_top + an_h2))
            below = ys_top + ys_h + gap / 2
            sx = x0 - 16 if side == "left" else x0 + bw + 16
            tx = x0 if side == "left" else x0 + bw
            _residual(d, cx, below, sx, an_top + an_h2 / 2, tx)
            if k + 2 < len(labels):
                d.arrow((cx, an_top), (cx, boxes[k + 2][0] + boxes[k + 2][1]))
        return cx, boxes

    # encoder
    enc_labels = ["multi-head self-attention", "add & norm",
                  "position-wise FFN", "add & norm"]
    ecx, eboxes = column(enc_x, enc_labels, "left")   # aligned with the decoder's first four
    enc_top = eboxes[-1][0] - 12
    d.box(enc_x - 28, enc_top, bw + 40, group_bottom - enc_top, "", "none", dashed=True)
    d.text(enc_x + bw + 18, enc_top + 14, "N×", size=13, bold=True)
    d.text(enc_x - 28, enc_top - 12, "encoder", size=14, bold=True, anchor="start")
    # decoder
    dec_labels = ["masked multi-head\nself-attention", "add & norm",
                  "encoder–decoder attention", "add & norm",
                  "position-wise FFN", "add & norm"]
    dcx, dboxes = column(dec_x, dec_labels, "right")
    d.box(dec_x - 12, group_top, bw + 40, group_bottom - group_top, "", "none", dashed=True)
    d.text(dec_x + bw + 14, group_top + 14, "N×", size=13, bold=True)
    d.text(dec_x - 12, group_top - 12, "decoder", size=14, bold=True, anchor="start")
    # encoder output -> keys and values of the encoder-decoder attention
    eo = eboxes[-1][0]
    kv_y = dboxes[2][0] + dboxes[2][1] / 2
    d.arrow((ecx, eo), (ecx, enc_top - 14), (340, enc_top - 14), (340, kv_y), (dec_x, kv_y))
    d.text(300, enc_top - 26, "keys, values", size=12)
    # inputs: tokens -> embedding -> + positional encoding
    for cx, tokens, side in ((ecx, "source tokens", -1), (dcx, "target tokens, shifted right", 1)):
        d.circle(cx, group_bottom + 54, 13, "+")
        d.box(cx + side * 40 - (100 if side < 0 else 0), group_bottom + 40, 100, 28,
              "positional\nencoding", "plain", size=11)
        d.arrow((cx + side * 40, group_bottom + 54), (cx + side * 15, group_bottom + 54))
        d.arrow((cx, group_bottom + 100), (cx, group_bottom + 69))
        d.box(cx - 70, group_bottom + 100, 140, 30, "embedding", "param", size=13)
        d.arrow((cx, group_bottom + 158), (cx, group_bottom + 132))
        d.box(cx - 100, group_bottom + 158, 200, 30, tokens, "input", size=13)
    # output layer
    top_dec = dboxes[-1][0]
    d.arrow((dcx, top_dec), (dcx, group_top - 22))
    d.box(dcx - 60, group_top - 54, 120, 32, "linear", "op")
    d.arrow((dcx, group_top - 54), (dcx, group_top - 72))
    d.box(dcx - 110, group_top - 104, 220, 32, "scores over the target vocabulary", "output",
          size=12)
    return d


@diagram("bert_input")
def bert_input() -> Diagram:
    d = Diagram(660, 330, "BERT's input representation for the pair of sentences a b and "
                "c d: each position adds a token embedding, a segment embedding, A for the "
                "first sentence and B for the second, and a learned position embedding.")
    tokens = ["<cls>", "a", "b", "<sep>", "c", "d", "<sep>"]
    x0, cw, bw = 172, 68, 60
    rows = [("tokens", 40), ("token embeddings", 110), ("segment embeddings", 180),
            ("position embeddings", 250)]
    for name, y in rows:
        d.text(x0 - 14, y, name, size=13, anchor="end")
    for t, tok in enumerate(tokens):
        cx = x0 + cw * t + cw / 2
        d.box(cx - bw / 2, 23, bw, 34, tok, "input", size=13)
        d.box(cx - bw / 2, 93, bw, 34, "e_{" + tok + "}", "param", size=13)
        d.text(cx, 145, "+", size=16)
        d.box(cx - bw / 2, 163, bw, 34, "s_A" if t < 4 else "s_B", "param")
        d.text(cx, 215, "+", size=16)
        d.box(cx - bw / 2, 233, bw, 34, f"p_{t}", "param")
        d.text(cx, 285, "=", size=16)
        d.text(cx, 310, f"x_{t}", size=15)
    d.text(x0 - 14, 310, "input to layer 1", size=13, anchor="end")
    # the two sentences, drawn as brackets under the input row
    # which positions belong to which segment
    for first, last, name in ((0, 3, "segment A"), (4, 6, "segment B")):
        xa, xb = x0 + cw * first + 6, x0 + cw * (last + 1) - 6
        d.line([(xa, 62), (xa, 68), (xb, 68), (xb, 62)], color=MUTED, width=1)
        d.text((xa + xb) / 2, 80, name, size=11, color=MUTED)
    return d


@diagram("bert_pretraining")
def bert_pretraining() -> Diagram:
    d = Diagram(670, 430, "BERT's two pretraining tasks on one input: a masked language model "
                "predicts the hidden word at each masked position from the encoder's output "
                "there, and next-sentence prediction classifies the output at the cls token "
                "as B follows A or B is a random sentence. The two cross-entropy losses are "
                "added.")
    tokens = ["<cls>", "the", "lord", "is", "my", "<mask>", "<sep>", "i", "shall", "<sep>"]
    x0, cw, bw = 50, 60, 55
    xs = [x0 + cw * t + cw / 2 for t in range(len(tokens))]
    for t, (cx, tok) in enumerate(zip(xs, tokens)):
        d.box(cx - bw / 2, 380, bw, 32, tok, "input", size=12)
        d.arrow((cx, 380), (cx, 352))
        d.arrow((cx, 310), (cx, 288))
        d.box(cx - bw / 2, 256, bw, 32, f"h_{t}", "state", size=13)
    d.box(x0 + 2, 310, cw * len(tokens) - 4, 40, "BERT encoder (no causal mask)", "op")
    # next-sentence prediction on <cls>
    c0 = xs[0]
    d.arrow((c0, 256), (c0, 232))
    d.box(c0 - 62, 196, 124, 36, "pooler: tanh\nof a dense layer", "op", size=11)
    d.arrow((c0, 196), (c0, 172))
    d.box(c0 - 62, 136, 124, 36, "linear, 2 scores", "op", size=12)
    d.arrow((c0, 136), (c0, 112))
    d.box(c0 - 62, 76, 124, 36, "B follows A,\nor random B?", "output", size=12)
    d.arrow((c0, 76), (c0, 52))
    d.box(c0 - 62, 16, 124, 36, "cross-entropy", "loss", size=12)
    # masked language model at the masked position
    c5 = xs[5]
    d.arrow((c5, 256), (c5, 232))
    d.box(c5 - 70, 196, 140, 36, "MLP (MaskLM)", "op", size=12)
    d.arrow((c5, 196), (c5, 172))
    d.box(c5 - 70, 136, 140, 36, "scores over\nthe vocabulary", "output", size=12)
    d.arrow((c5, 136), (c5, 112))
    d.box(c5 - 70, 76, 140, 36, "cross-entropy\nwith shepherd", "loss", size=12)
    d.arrow((c5, 76), (c5, 52))
    d.arrow((c0 + 62, 34), (c5 - 92, 34))
    d.box(c5 - 90, 16, 180, 36, "L = sum of the two", "loss", size=12)
    d.text(c5 + 150, 214, "only at the\nmasked positions", size=11, color=MUTED)
    return d


@diagram("vit_patches")
def vit_patches() -> Diagram:
    d = Diagram(670, 500, "The Vision Transformer: the image is cut into patches, each patch "
                "is flattened and embedded by one shared linear map, a learned class token is "
                "put in front, position embeddings are added, and after the Transformer "
                "encoder a layer norm and a linear layer on the class token give the class "
                "scores.")
    cols = {0: 250, 1: 340, 2: 430, "N": 590}
    dots = 510
    # the image, 4 x 4 patches numbered in reading order
    d.grid(24, 360, 4, 4, 26, role="input",
           values=[[str(4 * r + c + 1) for c in range(4)] for r in range(4)], size=12)
    d.text(76, 482, "image, 4×4 patches", size=12, color=MUTED)
    d.arrow((130, 412), (296, 440), label="cut and flatten", label_dy=14)
    for k, x in cols.items():
        if k != 0:
            d.box(x - 36, 424, 72, 34, f"x_p^{k}", "input")
            d.arrow((x, 424), (x, 390))
            d.arrow((x, 352), (x, 326))
            d.box(x - 36, 292, 72, 34, f"x_p^{{{k}}}E", "plain")
        d.arrow((x, 292), (x, 266))
        d.arrow((x, 232), (x, 150))
    d.box(cols[0] - 36, 292, 72, 34, "x_{class}", "param")
    d.text(cols[0] - 44, 309, "class token", size=12, color=MUTED, anchor="end")
    d.text(cols[0] - 14, 191, "Z_0", size=14, anchor="end")
    for y in (441, 309):
        d.text(dots, y, "⋯", size=18, color=MUTED)
    d.box(300, 352, 330, 38, "linear map E, shared by all patches", "param", size=13)
    d.box(210, 232, 420, 34, "+ position embeddings E_{pos}", "param", size=13)
    d.box(210, 110, 420, 38, "L Transformer encoder blocks", "op")
    c0 = cols[0]
    d.arrow((c0, 110), (c0, 88))
    d.box(c0 - 60, 54, 120, 34, "layer norm,\nlinear", "op", size=12)
    d.arrow((c0 + 60, 71), (368, 71))
    d.box(370, 54, 130, 34, "class scores", "output", size=13)
    d.text(c0, 40, "class token only", size=11, color=MUTED)
    return d


@diagram("causal_mask")
def causal_mask() -> Diagram:
    d = Diagram(470, 300, "The causal mask of the decoder's self-attention: query position t "
                "may attend to the key positions 0 to t only, so the allowed weights form a "
                "lower triangle.")
    n, cell, x0, y0 = 5, 40, 130, 60
    allowed = {(r, c) for r in range(n) for c in range(n) if c <= r}
    d.grid(x0, y0, n, n, cell, role="plain", highlight=allowed, highlight_role="op",
           values=[["✓" if c <= r else "" for c in range(n)] for r in range(n)])
    for i in range(n):
        d.text(x0 + (i + 0.5) * cell, y0 - 14, str(i), size=13)
        d.text(x0 - 14, y0 + (i + 0.5) * cell, str(i), size=13)
        d.text(x0 + n * cell + 16, y0 + (i + 0.5) * cell, f"valid length {i + 1}", size=12,
               anchor="start", color=MUTED)
    d.text(x0 + n * cell / 2, 22, "key position", size=13)
    d.text(x0 - 40, y0 + n * cell / 2, "query\nposition t", size=13, anchor="end")
    d.text(x0 + n * cell / 2, y0 + n * cell + 22, "grey: weight 0 (future positions)",
           size=12, color=MUTED)
    return d


@diagram("cnn_rnn_self_attention")
def cnn_rnn_self_attention() -> Diagram:
    d = Diagram(670, 290, "Three layers that map a sequence of five vectors to five vectors: "
                "a convolution with kernel size 3 connects each output to its neighbours, an "
                "RNN passes a hidden state from step to step, and self-attention connects "
                "every output to every input directly.")
    n, step, bw, bh = 5, 40, 30, 26
    y_in, y_out = 200, 60
    panels = (("convolution, k = 3", "O(n/k) layers"), ("RNN", "O(n) steps"),
              ("self-attention", "O(1): one layer"))
    for p, (name, path) in enumerate(panels):
        left = 15 + p * 215
        xs = [left + 10 + i * step + bw / 2 for i in range(n)]
        if p == 0:
            for i, xo in enumerate(xs):
                for j in (i - 1, i, i + 1):
                    if 0 <= j < n:
                        d.line([(xs[j], y_in), (xo, y_out + bh)], color="#16a34a", width=1.2)
        elif p == 1:
            for i, x in enumerate(xs):
                d.box(x - 11, 120, 22, 22, "", "state", rx=4)
                d.line([(x, y_in), (x, 142)], color="#16a34a", width=1.2)
                d.line([(x, 120), (x, y_out + bh)], color="#16a34a", width=1.2)
                if i + 1 < n:
                    d.arrow((x + 11, 131), (xs[i + 1] - 12, 131), color="#ca8a04")
        else:
            for xo in xs:
                for xi in xs:
                    d.line([(xi, y_in), (xo, y_out + bh)], color="#16a34a", width=1)
        for i, x in enumerate(xs):
            d.box(x - bw / 2, y_in, bw, bh, f"x_{i + 1}", "input", size=12)
            d.box(x - bw / 2, y_out, bw, bh, f"y_{i + 1}", "output", size=12)
        mid = (xs[0] + xs[-1]) / 2
        d.text(mid, 30, name, size=14, bold=True)
        d.text(mid, 250, "path x_1 to y_5:", size=12, color=MUTED)
        d.text(mid, 270, path, size=12, color=MUTED)
    return d


@diagram("bert_task_heads")
def bert_task_heads() -> Diagram:
    d = Diagram(670, 410, "Four ways to read a fine-tuned BERT encoder: a class from the cls "
                "output for one sentence or for a sentence pair, a tag from the output of "
                "every word of the sentence, and start and end scores from every passage token's output for span "
                "extraction.")
    panels = [
        ("single sentence: class", ["<cls>", "A_1", "A_2", "A_3", "<sep>"], "cls"),
        ("sentence pair: class", ["<cls>", "A_1", "A_2", "<sep>", "B_1", "<sep>"], "cls"),
        ("token tagging: a tag per token", ["<cls>", "A_1", "A_2", "A_3", "<sep>"], "tags"),
        ("span extraction", ["<cls>", "Q_1", "<sep>", "P_1", "P_2", "P_3", "<sep>"], "span"),
    ]
    step, bw = 44, 41
    for p, (name, tokens, head) in enumerate(panels):
        px, py = 10 + (p % 2) * 330, 8 + (p // 2) * 200
        d.box(px, py, 320, 192, "", "none", dashed=True)
        d.text(px + 10, py + 16, name, size=13, bold=True, anchor="start")
        x0 = px + (320 - step * len(tokens)) / 2 + step / 2
        xs = [x0 + step * t for t in range(len(tokens))]
        for t, (x, tok) in enumerate(zip(xs, tokens)):
            d.box(x - bw / 2, py + 156, bw, 26, tok, "input", size=11)
            d.arrow((x, py + 156), (x, py + 140))
            d.arrow((x, py + 114), (x, py + 100))
            d.box(x - bw / 2, py + 76, bw, 24, f"h_{t}", "state", size=12)
        d.box(xs[0] - bw / 2, py + 114, xs[-1] - xs[0] + bw, 26, "BERT encoder", "op", size=12)
        if head == "cls":
            d.arrow((xs[0], py + 76), (xs[0], py + 58))
            d.box(xs[0] - 30, py + 30, 90, 28, "W h_{0}: class", "output", size=12)
        else:
            reads = [t for t, tok in enumerate(tokens)
                     if tok[0] in ("A" if head == "tags" else "P")]
            for t in reads:
                d.arrow((xs[t], py + 76), (xs[t], py + 62))
                d.box(xs[t] - bw / 2, py + 30, bw, 32, "tag" if head == "tags"
                      else "start\nend", "output", size=11)
            if head == "span":
                d.text(xs[0] + 10, py + 46, "sᵀh_t, eᵀh_t", size=12, color=MUTED)
            else:
                d.text(xs[0] + 4, py + 46, "W h_t", size=12, color=MUTED)
    return d
