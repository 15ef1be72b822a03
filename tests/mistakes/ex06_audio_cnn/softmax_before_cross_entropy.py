"""ex06 mistake: the model ends in nn.Softmax and is trained with cross_entropy (softmax applied twice)"""

EXPECT = "your model ends with a softmax: its outputs are probabilities"


def build_model(n_classes):
    from torch import nn

    return nn.Sequential(
        nn.Conv2d(1, 8, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(),
        nn.AdaptiveMaxPool2d((4, 4)), nn.Flatten(),
        nn.Linear(512, 32), nn.ReLU(), nn.Linear(32, n_classes),
        nn.Softmax(dim=1),  # probabilities: cross_entropy applies softmax again
    )
