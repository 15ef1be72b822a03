"""ex05 mistake: receptive_field starts from 0 instead of 1"""

EXPECT = 'you forgot the + 1: a single output unit (no layer) sees 1 cell, and'


def receptive_field(layers):
    r, jump, previous = 1, 1, 1
    for layer in layers:
        k, s = layer[0], layer[1]
        d = layer[2] if len(layer) > 2 else 1
        r += d * (k - 1) * jump
        jump *= s
    return r - 1
