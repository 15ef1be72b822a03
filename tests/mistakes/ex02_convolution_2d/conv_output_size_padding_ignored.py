"""ex02 mistake: conv_output_size ignores the padding"""

EXPECT = 'you ignored the padding: the padded length is n +'


def conv_output_size(n, k, stride=1, padding=0, dilation=1):
    return (n - dilation * (k - 1) - 1) // stride + 1
