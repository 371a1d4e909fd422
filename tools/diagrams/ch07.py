"""Chapter 7: sequences and recurrent networks."""
from . import diagram
from .svg import Diagram


@diagram("rnn_unrolled")
def rnn_unrolled() -> Diagram:
    d = Diagram(620, 300, "A recurrent network unrolled over three time steps: at every "
                "step the input and the previous hidden state enter the same cell, with the "
                "same weights, which outputs the new hidden state and the step's output.")
    xs = (150, 330, 510)
    d.text(40, 150, "h_0", size=16)
    for i, x in enumerate(xs, start=1):
        d.box(x - 50, 120, 100, 60, "RNN cell\nh_t = tanh(·)", "op", size=13)
        d.box(x - 30, 230, 60, 36, f"x_{i}", "input")
        d.box(x - 30, 24, 60, 36, f"o_{i}", "output")
        d.arrow((x, 230), (x, 182), label="W_xh", label_dx=26, label_dy=0)
        d.arrow((x, 120), (x, 62), label="W_hq", label_dx=26, label_dy=0)
        prev = xs[i - 2] + 50 if i > 1 else 60
        d.arrow((prev, 150), (x - 52, 150), label=f"h_{i - 1}" if i > 1 else "")
    d.arrow((560, 150), (605, 150), label="h_3")
    d.legend(40, 285, {"input": "input", "op": "operation (shared weights)",
                       "output": "output"})
    return d
