"""ex05 mistake: receptive_field returns the jump"""

EXPECT = 'your number is the product of all the strides'


def receptive_field(layers):
    r, jump = 1, 1
    for layer in layers:
        k, s = layer[0], layer[1]
        d = layer[2] if len(layer) > 2 else 1
        r += d * (k - 1) * jump
        jump *= s
    return jump
