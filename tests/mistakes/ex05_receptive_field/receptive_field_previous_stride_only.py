"""ex05 mistake: receptive_field multiplies by the previous layer's stride only"""

EXPECT = 'you multiplied by the previous'


def receptive_field(layers):
    r, jump, previous = 1, 1, 1
    for layer in layers:
        k, s = layer[0], layer[1]
        d = layer[2] if len(layer) > 2 else 1
        r += d * (k - 1) * previous
        previous = s
    return r
