"""d2lite: the helpers behind the d2lite deep-learning textbook.

The folder reads like the toolbox's table of contents:

=================  ==========================================================
``device``         pick CUDA → MPS → CPU once (``$D2LITE_DEVICE`` overrides)
``reproducibility`` one call seeds Python, NumPy and torch
``data``           synthetic and toy sets, small real images, loaders (offline)
``training``       the :class:`Trainer` and metrics
``callbacks``      live plot, progress bar, early stopping, summary line, LR schedules
``plotting``       the book's figure style and recurring plots
``widgets``        sliders that redraw in place, and their static twins
``optimization``   test functions for optimisers and path tracing
``results``        ``report(name=value)``: the numbers a section's checks rest on
``bayes``          Bayes' rule, Beta–binomial coin, Gaussian beliefs, naive Bayes
``hmm``            categorical hidden Markov models: sampling, forward-backward, Viterbi, Baum-Welch
``svm``            kernels, hinge loss, primal and SMO-dual support vector machines
``text``           offline corpora, tokenizer, vocabulary, language-model and translation data
``autoencoders``   autoencoders, VAE and the ELBO, corruptions for denoising
``cnn``            LeNet, VGG/NiN/Inception blocks, batch norm from scratch, residual blocks, ResNet
``vision``         tensor augmentation, boxes, IoU, anchors, NMS, synthetic scenes
``rnn``            n-gram and RNN/GRU/LSTM language models, perplexity, generation, recall task
``seq2seq``        encoder-decoder interface, GRU seq2seq, masked loss, greedy and beam search, BLEU
``attention``      masked softmax, additive/dot-product/multi-head attention, positions, explorer
``transformer``    Transformer encoder and decoder blocks and stacks
``bert``           BERT encoder, MLM and NSP heads, pretraining data and loop, classifier
``vit``            patches, patch embedding and the Vision Transformer
``gan``            GAN losses and training loop, MLP builders, ring of Gaussians, mode coverage
``graphs``         adjacency checks, message passing, GCN, GraphSAGE and GAT, graph data sets
=================  ==========================================================
"""
from .attention import (AdditiveAttention, DotProductAttention, MultiHeadAttention, PositionalEncoding,
                        attention_explorer, causal_valid_lens, masked_softmax, sinusoidal_encoding)
from .autoencoders import VAE, Autoencoder, VAEOutput, corrupt, elbo_loss, gaussian_kl, watermark_mark
from .bayes import GaussianNaiveBayes, MultinomialNaiveBayes, bayes_update, beta_posterior, gaussian_posterior
from .bert import (BERT_RESERVED, BERTClassifier, BERTEncoder, BERTModel, MaskLM, NextSentencePred, PretrainData,
                   get_tokens_and_segments, mask_tokens, pretrain, pretrain_accuracy, pretrain_data, pretrain_loss)
from .callbacks import (Callback, EarlyStopping, LambdaCallback, LivePlot, LRScheduler, ProgressBar, Summary,
                        default_callbacks)
from .cnn import BatchNorm, Inception, LeNet, NiNBlock, Residual, VGGBlock, batch_norm, count_parameters, small_resnet
from .data import TensorSplit, load_images, make_loader, synthetic_regression, tensor_loader, toy_2d
from .device import get_device, to_device
from .gan import (Coverage, GANHistory, discriminator_loss, generator_loss, mlp_discriminator, mlp_generator,
                  mode_coverage, ring_centers, ring_of_gaussians, train_gan)
from .graphs import (GAT, GCN, GATLayer, GCNLayer, GraphData, GraphSAGE, SAGELayer, adjacency_from_edge_index,
                     adjacency_from_networkx, aggregate, check_adjacency, check_edge_index,
                     edge_index_from_adjacency, fit_nodes, laplacian, node_accuracy, normalized_adjacency,
                     sample_neighbors, sbm_citation)
from .hmm import CategoricalHMM
from .optimization import ill_conditioned, rosenbrock, trace_path
from .plotting import (figure, live_frontend, plot_contour, plot_curves, plot_decision_boundary,
                       plot_heatmap, plot_surface, use_style)
from .reproducibility import set_seed
from .results import report
from .text import (Seq2SeqData, Vocab, date_pairs, kjv_verses, lm_loader, lm_windows, load_corpus, pad_batch,
                   shakespeare_lines, sphinx_pairs, tokenize, translation_data)
from .rnn import NGramLM, RNNLM, SequenceClassifier, generate, perplexity, recall_task, train_lm
from .seq2seq import (Decoder, Encoder, EncoderDecoder, GRUDecoder, GRUEncoder, beam_search, bleu, exact_match,
                      greedy_decode, sequence_loss, teacher_inputs, train_seq2seq)
from .svm import KernelSVM, LinearSVM, hinge_loss, linear_kernel, plot_svm, polynomial_kernel, rbf_kernel
from .transformer import (AddNorm, PositionWiseFFN, TransformerDecoder, TransformerDecoderBlock,
                          TransformerEncoder, TransformerEncoderBlock)
from .training import Trainer, accuracy, uses_channels_last
from .vision import (SHAPES, Scenes, add_noise, affine_transform, anchor_boxes, assign_anchors, box_center_to_corner,
                     box_corner_to_center, box_iou, nms, random_affine, synthetic_scenes)
from .vit import PatchEmbedding, ViT, patchify
from .widgets import Explorer

__version__ = "0.1.0"
