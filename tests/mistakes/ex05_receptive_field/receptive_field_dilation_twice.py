"""ex05 mistake: receptive_field multiplies by the dilation twice"""

EXPECT = 'your number counts the dilation twice'


def receptive_field(layers):
    r, jump = 1, 1
    for layer in layers:
        k, s = layer[0], layer[1]
        d = layer[2] if len(layer) > 2 else 1
        r += d * d * (k - 1) * jump
        jump *= s
    return r
