"""ex05 mistake: receptive_field takes a dilated kernel to span d*k cells"""

EXPECT = 'a dilated kernel spans d*(k - 1) + 1 cells, not d*k: there are k - 1'


def receptive_field(layers):
    r, jump, previous = 1, 1, 1
    for layer in layers:
        k, s = layer[0], layer[1]
        d = layer[2] if len(layer) > 2 else 1
        r += (d * k - 1) * jump
        jump *= s
    return r
