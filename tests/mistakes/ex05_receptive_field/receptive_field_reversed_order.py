"""ex05 mistake: receptive_field walks the layers in the wrong order"""

EXPECT = 'you walked the layers in the wrong order: layers[0] is the first'


def receptive_field(layers):
    r, jump = 1, 1
    for layer in reversed(layers):  # walks from the output side, multiplying its strides
        k, s = layer[0], layer[1]
        d = layer[2] if len(layer) > 2 else 1
        r += d * (k - 1) * jump
        jump *= s
    return r
