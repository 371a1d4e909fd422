"""d2lite: the helpers behind the d2lite deep-learning textbook.

The folder reads like the toolbox's table of contents:

===================  ==========================================================
``device``           pick CUDA → MPS → CPU once (``$D2LITE_DEVICE`` overrides)
``reproducibility``  one call seeds Python, NumPy and torch
``data``             synthetic and toy sets, small real images, loaders (offline)
``training``         the :class:`Trainer` and metrics
``callbacks``        live plot, progress bar, early stopping, summary line, LR schedules
``plotting``         the book's figure style and recurring plots (curves, contours, boundaries, SVMs)
``widgets``          sliders that redraw in place, their static twins, the attention explorer
``optimization``     test functions for optimisers and path tracing
``results``          ``report(name=value)``: the numbers a section's checks rest on
``bayes``            Bayes' rule, Beta–binomial coin, Gaussian beliefs, naive Bayes
``hmm``              categorical hidden Markov models: sampling, forward-backward, Viterbi, Baum-Welch
``svm``              kernels, hinge loss, primal and SMO-dual support vector machines
``text``             offline corpora, tokenizer, vocabulary, language-model and translation data
``autoencoders``     autoencoders, VAE and the ELBO, corruptions for denoising
``cnn``              LeNet, VGG/NiN/Inception blocks, batch norm from scratch, residual blocks, ResNet
``vision``           tensor augmentation, boxes, IoU, anchors, NMS, synthetic scenes
``detection``        box offsets, per-anchor training targets of a detector, average precision
``rnn``              n-gram and RNN/GRU/LSTM language models, perplexity, generation, recall task
``encoder_decoder``  the encoder–decoder interface: ``Encoder``, ``Decoder``, ``EncoderDecoder``
``seq2seq``          GRU seq2seq (plain and Bahdanau), masked loss, training, greedy and beam search, BLEU
``attention``        masked softmax, additive/dot-product/multi-head attention, positions
``transformer``      Transformer encoder and decoder blocks and stacks
``bert``             BERT encoder, MLM and NSP heads, pretraining data and loop, classifier
``vit``              patches, patch embedding and the Vision Transformer
``gan``              GAN losses and training loop, MLP builders, ring of Gaussians, mode coverage
``graphs``           adjacency checks, message passing, GCN, GraphSAGE and GAT, graph data sets
===================  ==========================================================

Each module lists its public names in ``__all__``; the package exports exactly their union, so
``d2l.name`` and ``from d2lite.module import name`` are the same object.
"""

from . import (attention, autoencoders, bayes, bert, callbacks, cnn, data, detection, device, encoder_decoder, gan,
               graphs, hmm, optimization, plotting, reproducibility, results, rnn, seq2seq, svm, text, training,
               transformer, vision, vit, widgets)
from .attention import *  # noqa: F403
from .autoencoders import *  # noqa: F403
from .bayes import *  # noqa: F403
from .bert import *  # noqa: F403
from .cnn import *  # noqa: F403
from .data import *  # noqa: F403
from .detection import *  # noqa: F403
from .device import *  # noqa: F403
from .encoder_decoder import *  # noqa: F403
from .gan import *  # noqa: F403
from .graphs import *  # noqa: F403
from .hmm import *  # noqa: F403
from .optimization import *  # noqa: F403
from .plotting import *  # noqa: F403
from .reproducibility import *  # noqa: F403
from .results import *  # noqa: F403
from .rnn import *  # noqa: F403
from .seq2seq import *  # noqa: F403
from .svm import *  # noqa: F403
from .text import *  # noqa: F403
from .transformer import *  # noqa: F403
from .vision import *  # noqa: F403
from .vit import *  # noqa: F403
from .widgets import *  # noqa: F403

from .callbacks import *  # noqa: F403
from .training import *  # noqa: F403

_MODULES = (attention, autoencoders, bayes, bert, callbacks, cnn, data, detection, device, encoder_decoder, gan,
            graphs, hmm, optimization, plotting, reproducibility, results, rnn, seq2seq, svm, text, training,
            transformer, vision, vit, widgets)
__all__ = sorted({name for module in _MODULES for name in module.__all__})

__version__ = "0.1.0"
