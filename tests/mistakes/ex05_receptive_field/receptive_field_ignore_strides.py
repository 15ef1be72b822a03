"""ex05 mistake: receptive_field ignores the strides"""

EXPECT = 'you ignored the strides: after a layer with stride s, one step in its'


def receptive_field(layers):
    r, jump, previous = 1, 1, 1
    for layer in layers:
        k, s = layer[0], layer[1]
        d = layer[2] if len(layer) > 2 else 1
        r += d * (k - 1)
    return r
