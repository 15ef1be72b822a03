"""ex06 mistake: a "model" that regenerates the hidden test set with the data generator and looks
up each clip's label instead of learning (it would score 100 % if the scan did not forbid it)"""

EXPECT = "it calls course.data"


def build_model(n_classes):
    import numpy as np
    import torch
    from torch import nn

    from course.audio import features
    from course.data import generate_clips

    clips = generate_clips(1000, seed=97_531_864)  # the seed, copied from the grader's source
    table = {features(clips.audio[i:i + 1]).tobytes(): int(clips.labels[i]) for i in range(len(clips))}

    class Lookup(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(torch.zeros(1))

        def forward(self, x):
            keys = [x[i:i + 1].detach().cpu().numpy().astype(np.float32).tobytes() for i in range(x.shape[0])]
            labels = torch.tensor([table.get(k, 0) for k in keys])
            return nn.functional.one_hot(labels, n_classes).float() + self.w

    return Lookup()
