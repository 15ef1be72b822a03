"""ex02 mistake: conv_output_size rounds up with ceil"""

EXPECT = 'you rounded up (ceil or round): PyTorch rounds DOWN (floor), a last'


def conv_output_size(n, k, stride=1, padding=0, dilation=1):
    return int(np.ceil((n + 2 * padding - dilation * (k - 1) - 1) / stride)) + 1
