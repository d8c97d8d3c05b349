"""One wording per rule, and one rule for TypeError vs ValueError, the same in every public function.

TypeError: the value has the wrong type (a float, bool or string where an int is required).
ValueError: the type is right, the value breaks a rule. Each wording is pinned here, character
for character, and then checked to be the one that several unrelated public functions use.
"""

from __future__ import annotations

import numpy as np
import pytest

import convlib
from convlib import validate
from convlib.overlap import overlap_counts
from convlib.spec import ConvSpec

POSITIVE = "must be a positive integer (>= 1)"
NON_NEGATIVE = "must be a non-negative integer (>= 0)"


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: validate.integer(0, "stride", 1), ValueError, "stride=0 must be a positive integer (>= 1)"),
        (lambda: validate.integer(-1, "padding", 0), ValueError, "padding=-1 must be a non-negative integer (>= 0)"),
        (lambda: validate.integer(1, "lengths[0]", 2), ValueError, "lengths[0]=1 must be an integer >= 2"),
        (lambda: validate.integer(1.5, "stride", 1), TypeError, "stride=1.5 must be an int"),
        (lambda: validate.integer(True, "stride", 1), TypeError, "stride=True must be an int"),
        (lambda: validate.integer("3", "stride", 1), TypeError, "stride='3' must be an int"),
        (lambda: validate.ints((1, 0), 2, "stride", 1), ValueError,
         "stride=(1, 0) must be a positive integer (>= 1) in every dimension"),
        (lambda: validate.ints((1, 2, 3), 2, "stride", 1), ValueError, "stride=(1, 2, 3) must be an int or a sequence of 2 ints"),
        (lambda: validate.ints((1, 2.0), 2, "stride", 1), TypeError, "stride=(1, 2.0) must be an int or a sequence of 2 ints"),
        (lambda: validate.ints(1.0, 2, "stride", 1), TypeError, "stride=1.0 must be an int or a sequence of 2 ints"),
        (lambda: validate.ints([], None, "kernel_size", 1), ValueError, "kernel_size=[] must be an int or a sequence of ints"),
        (lambda: validate.flag(1, "bias"), TypeError, "bias=1 must be True or False"),
        (lambda: validate.one_of("mirror", "padding_mode", ("zeros", "reflect")), ValueError,
         "padding_mode='mirror' must be one of ('zeros', 'reflect')"),
        (lambda: validate.padding_word("full"), ValueError,
         "padding='full' must be an int, a tuple of ints, 'valid' or 'same'"),
        (lambda: validate.same_needs_stride_one((2, 1)), ValueError,
         "padding='same' needs stride=1 (torch does not support it for strided convolutions), got stride=(2, 1)"),
        (lambda: validate.output_padding_rule((2,), (2,), (1,)), ValueError,
         "output_padding=2 must be smaller than either stride=2 or dilation=1"),
        (lambda: validate.only_transposed(1), ValueError,
         "output_padding=1 only applies to a transposed convolution (transposed=True)"),
        (lambda: validate.divisible(10, 3, "in_channels"), ValueError, "in_channels=10 must be divisible by groups=3"),
        (lambda: validate.nonempty([], "rates", "rate"), ValueError, "rates=[] must contain at least one rate"),
        (lambda: validate.same_length(stride=(1, 2), padding=(1, 2, 3)), ValueError,
         "per-dimension arguments must have the same length: stride=(1, 2), padding=(1, 2, 3)"),
        (lambda: validate.as_array(np.array([True]), "x"), TypeError,
         "x has dtype bool, but convolutions need a real number dtype"),
    ],
)
def test_each_rule_has_one_wording_and_one_exception(call, error, message):
    with pytest.raises(Exception) as info:
        call()
    assert type(info.value) is error
    assert str(info.value).startswith(message)


# --- the same rule says the same words everywhere -------------------------------------

X = np.ones((1, 1, 6, 6))
W = np.ones((1, 1, 3, 3))


#: rule -> (exception, the words, the public functions that must use exactly those words)
SAME_WORDS = {
    "zero stride": (ValueError, f"stride=0 {POSITIVE}", [
        lambda: convlib.conv2d(X, W, stride=0), lambda: convlib.conv_transpose2d(X, W, stride=0),
        lambda: convlib.conv_output_size(6, 3, stride=0), lambda: convlib.Layer(3, stride=0),
        lambda: ConvSpec(6, 3, stride=0), lambda: convlib.conv_cost(1, 1, 3, 6, stride=0),
        lambda: convlib.insert_zeros(np.ones((2, 2)), 0), lambda: overlap_counts(4, 3, stride=0),
        lambda: convlib.conv_matrix((1, 6, 6), W, stride=0),
    ]),
    "float stride": (TypeError, "stride=1.5 must be an int", [
        lambda: convlib.conv2d(X, W, stride=1.5), lambda: convlib.conv_output_size(6, 3, stride=1.5),
        lambda: convlib.Layer(3, stride=1.5), lambda: ConvSpec(6, 3, stride=1.5),
        lambda: convlib.conv_cost(1, 1, 3, 6, stride=1.5), lambda: overlap_counts(4, 3, stride=1.5),
    ]),
    "negative padding": (ValueError, f"padding=-1 {NON_NEGATIVE}", [
        lambda: convlib.conv2d(X, W, padding=-1), lambda: convlib.conv_transpose2d(X, W, padding=-1),
        lambda: convlib.conv_output_size(6, 3, padding=-1), lambda: convlib.Layer(3, padding=-1),
        lambda: ConvSpec(6, 3, padding=-1), lambda: convlib.conv_cost(1, 1, 3, 6, padding=-1),
        lambda: overlap_counts(4, 3, 2, padding=-1),
    ]),
    "strided same": (ValueError, "padding='same' needs stride=1 (torch does not support it for strided", [
        lambda: convlib.conv2d(X, W, stride=2, padding="same"),
        lambda: convlib.conv_output_size(6, 3, stride=2, padding="same"), lambda: convlib.Layer(3, 2, "same"),
        lambda: convlib.conv_cost(1, 1, 3, 6, stride=2, padding="same"),
        lambda: convlib.conv_matrix((1, 6, 6), W, stride=2, padding="same"),
    ]),
    "unknown padding word": (ValueError, "padding='full' must be an int, a tuple of ints, 'valid' or 'same'", [
        lambda: convlib.conv_output_size(6, 3, padding="full"), lambda: convlib.conv2d(X, W, padding="full"),
        lambda: convlib.Layer(3, padding="full"), lambda: convlib.conv_cost(1, 1, 3, 6, padding="full"),
    ]),
}


@pytest.mark.parametrize("rule, index", [(r, i) for r, (_, _, calls) in SAME_WORDS.items() for i in range(len(calls))])
def test_one_rule_is_refused_in_the_same_words_everywhere(rule, index):
    error, words, calls = SAME_WORDS[rule]
    with pytest.raises(Exception) as info:
        calls[index]()
    assert type(info.value) is error and words in str(info.value)


@pytest.mark.parametrize(
    "call, error",
    [
        (lambda: convlib.setup(1.5), TypeError),
        (lambda: convlib.setup(-1), ValueError),
        (lambda: convlib.suggest_rates(13.0, 3), TypeError),
        (lambda: convlib.suggest_rates(0, 3), ValueError),
        (lambda: convlib.utilization_map([1, 2.0]), TypeError),
        (lambda: convlib.utilization_map([1, 0]), ValueError),
        (lambda: convlib.check_hdc([1, 2], kernel_size=3.0), TypeError),
        (lambda: convlib.conv_cost(3.0, 1, 3), TypeError),
        (lambda: convlib.conv_cost(0, 1, 3), ValueError),
        (lambda: convlib.conv_cost(1, 1, 3, bias=1), TypeError),
    ],
)
def test_type_or_value_follows_one_rule(call, error):
    with pytest.raises(Exception) as info:
        call()
    assert type(info.value) is error
