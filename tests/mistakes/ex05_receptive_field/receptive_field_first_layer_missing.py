"""ex05 mistake: receptive_field skips the first layer"""

EXPECT = 'all the layers but the FIRST one'


def receptive_field(layers):
    r, jump = 1, 1
    for layer in layers[1:]:
        k, s = layer[0], layer[1]
        d = layer[2] if len(layer) > 2 else 1
        r += d * (k - 1) * jump
        jump *= s
    return r
