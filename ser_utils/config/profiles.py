"""The named profiles (:data:`PROFILES`): overrides of the defaults of :data:`~ser_utils.config.PARAMS`."""

from __future__ import annotations

from typing import Any

from .labels import FRAME_FEATURES

__all__ = ["PROFILES"]

#: Named profiles: overrides of the defaults of :data:`~ser_utils.config.PARAMS`.
PROFILES: dict[str, dict[str, Any]] = {
    # Real RAVDESS, the real recipe: chosen by 5-fold speaker-independent CV within a
    # 2-core CPU budget (docs/experiments.md, benchmarks/cv_speaker.py). A small
    # attention CRNN on trimmed, full-length 64-band log-mels, per-speaker
    # normalisation, SpecAugment, no waveform augmentation (too slow to extract), fused
    # (fusion_weight 0.6, the defaults above) with an SVM + logistic regression on the
    # 7-statistic pooled vectors: UAR 0.745 +/- 0.016 over 5 folds of 4 unseen actors.
    # Issue 11 adds the Whisper-base encoder (int8) with a logistic regression on its
    # mean + std statistics (encoder_C 0.01), per mode: per-speaker (>= min_speaker_clips
    # clips of a speaker) and single clip; the parts' fusion weights are chosen on the
    # validation actors. The whole product, 5 folds by actor (benchmarks/cv_product.py): UAR
    # 0.803 +/- 0.043 per-speaker, 0.734 +/- 0.045 single clip (docs/experiments.md, session 4).
    "full": {
        "encoder": "whisper-base",
        # its first 3 of 6 layers (a middle layer's output, docs/experiments.md session 6): heads
        # on the 5 folds, single clip 0.739 -> 0.761 (per speaker 0.817 -> 0.839); a layer count
        # chosen on inner speaker folds of each outer fold's training actors was 3, 3 and 4 (never 6)
        "encoder_layers": 3,
        "n_mels": 64,
        "aug_copies": 0,
        "model": "attn_crnn",
        "conv_filters": [16, 32],
        "lstm_units": [64],
        # 40: the CRNN is one part of four now (fusion weight 0.3-0.4 on the validation
        # actors), and 40 epochs keep a cold run of 2452 files within 10 minutes on 2 cores
        # (60 epochs: 9.0 min for 2035 files, 7.5 of them in notebook 04; the run stopped at 50,
        # best 40). CRNN alone, 5 folds (session 2): 0.660 with 60 epochs, 0.634 with 30.
        "epochs": 40,
        # pooled (with every pool_stats statistic) for the classic model fused with the CRNN;
        # ~30 s more extraction on 2 cores
        "frame_features": list(FRAME_FEATURES),  # every one
    },
    # The synthetic demo corpus, quick on 2 CPU cores.
    # 12 actors -> 3 gender-balanced folds: 4 test, 2 validation and 6 training actors.
    # Measured on a 2-core CPU (2026-11-21): about 1.5 minutes for the five notebooks;
    # bundle UAR ~0.91 (CRNN alone ~0.59).
    "demo": {
        # the pretrained encoder is off: the demo (and the notebook-series test in CI) stays fast
        # and needs no weights; the full profile uses it
        "encoder": "none",
        "demo_actors": 12,
        "sample_rate": 16000,
        "n_mels": 64,
        "n_fft": 1024,
        "hop_length": 512,
        "aug_copies": 0,
        "conv_filters": [16, 32],
        "lstm_units": [32],
        "dense_units": 32,
        "epochs": 20,
        "early_stopping_patience": 6,
    },
    # Seed 004's recipe, reproduced for comparison (random split, 100 frames, no trimming).
    "seed004": {
        "encoder": "none",
        "split": "random",
        "trim_silence": False,
        "max_frames": 100,
        "aug_copies": 0,
        "specaug_time_masks": 0,
        "specaug_freq_masks": 0,
        "balance": "oversample",
        "normalisation": "per_utterance",
        "model": "crnn",
        "conv_filters": [32, 64],
        "lstm_units": [128, 64],
        "dense_units": 0,
        "learning_rate": 1e-4,
        "lr_schedule": "none",
        "epochs": 60,
        # the seeds pooled mean and std only, and predicted with the CRNN alone
        "pool_stats": ["mean", "std"],
        "fusion_weight": 0.0,
    },
}

# Several corpora at once (issue 18): RAVDESS with CREMA-D, TESS and SAVEE
# (`./run_all.sh --profile multi --data-dir A B C D`), still scored on the eight RAVDESS classes.
# The `full` recipe, with what ~13,000 files (RAVDESS 2,035 + CREMA-D 7,442 + TESS 2,800 +
# SAVEE 480) need to stay within ~30 minutes on 2 cores. Measured 2026-12-03 on the four full
# corpora (12,751 files used), cold cache, 2 cores: 23.1 min in all (features 4.1 min, training
# 16.8 min: CRNN 10 epochs ~5 min, the svm+logreg classic part 160 s a fit, the encoder heads and the
# fusion weights); docs/experiments.md "Session 6". 10 CRNN epochs: each makes 6-7x the updates of
# a RAVDESS epoch, and the CRNN weighs 0-0.2 in the fused modes.
PROFILES["multi"] = {
    **PROFILES["full"],
    # all 6 encoder layers: what the four-corpus run and the shipped model were measured with
    # (the middle layer is measured on RAVDESS only)
    "encoder_layers": 6,
    # 5 folds dealt per corpus (ser_utils.prep.split): every corpus with >= 5 speakers (RAVDESS,
    # CREMA-D) has speakers in every test fold; TESS (2) and SAVEE (4) are in 2 and 4 folds
    "n_folds": 5,
    # ordinary cross-entropy over the eight classes, weighted by the pooled training part's class
    # counts (calm comes from RAVDESS alone): no oversampled copies, which would add ~5,000 rows to
    # the ~9,500 training files and their CRNN time
    "balance": "class_weight",
    "epochs": 10,
    "early_stopping_patience": 4,
    "reduce_lr_patience": 2,
}
