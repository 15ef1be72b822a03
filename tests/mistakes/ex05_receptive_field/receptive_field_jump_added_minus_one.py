"""ex05 mistake: receptive_field grows the jump by s - 1"""

EXPECT = 'a jump grown by s - 1 per layer'


def receptive_field(layers):
    r, jump = 1, 1
    for layer in layers:
        k, s = layer[0], layer[1]
        d = layer[2] if len(layer) > 2 else 1
        r += d * (k - 1) * jump
        jump += s - 1
    return r
