"""ex05 mistake: receptive_field ignores the dilation"""

EXPECT = 'you ignored the dilation: a kernel of size k with dilation d spans'


def receptive_field(layers):
    r, jump, previous = 1, 1, 1
    for layer in layers:
        k, s = layer[0], layer[1]
        d = layer[2] if len(layer) > 2 else 1
        r += (k - 1) * jump
        jump *= s
    return r
