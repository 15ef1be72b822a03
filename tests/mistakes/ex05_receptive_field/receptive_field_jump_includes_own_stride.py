"""ex05 mistake: receptive_field updates the jump before using it"""

EXPECT = 'you updated the jump before using it: a'


def receptive_field(layers):
    r, jump, previous = 1, 1, 1
    for layer in layers:
        k, s = layer[0], layer[1]
        d = layer[2] if len(layer) > 2 else 1
        jump *= s
        r += d * (k - 1) * jump
    return r
