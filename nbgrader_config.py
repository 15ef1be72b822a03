"""nbgrader configuration of the convolutional-models course.

`solutions/` is nbgrader's source folder (instructor notebooks with solutions and hidden tests),
`exercises/` the release folder (what students get). Autograding executes each notebook in a
sandboxed kernel (course.grading.sandbox) and decides graded test cells in the grader's own
process from the outputs the tests recorded (course.grading.preprocessors). The `course` command
(course/cli.py) drives the same configuration; plain `nbgrader ...` commands keep working here.
"""

c = get_config()  # noqa: F821 (provided by traitlets when nbgrader loads this file)

c.CourseDirectory.course_id = "convolutional-models"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".*"]

# Execution limits: one budget for the whole notebook, and at most this long per cell.
c.GuardedExecute.timeout = 60
c.GuardedExecute.notebook_timeout = 120
c.GuardedExecute.max_output_bytes = 1_000_000

# The grading kernel's sandbox (course/grading/sandbox/__init__.py says what each limit stops).
c.SandboxKernelManager.memory_mb = 2048
c.SandboxKernelManager.processes = 64
c.SandboxKernelManager.tmp_size_mb = 256
c.SandboxKernelManager.file_size_mb = 64
# The only course files a grading kernel sees: the kernel's boot, its stand-ins, the wire format
# and the helpers the exercises import; never the reference implementations or the checks
# (ARCHITECTURE.md, "Trust boundary"). course.plotting is a stand-in while grading (below).
c.SandboxKernelManager.course_modules = [
    "course/__init__.py", "course/_lazy.py", "course/_validate.py", "course/shapes.py",
    "course/grading/__init__.py", "course/grading/recorder.py", "course/grading/casefile.py",
    "course/grading/guard.py", "course/grading/standins.py",
]
# Least privilege: the installed distributions a grading kernel sees (with what they require);
# nothing else of site-packages is mounted. Standard-library modules that would bring native
# code or a fresh interpreter back are covered.
c.SandboxKernelManager.distributions = ["ipykernel", "numpy", "tqdm"]  # tqdm: progress bars, pure Python
c.SandboxKernelManager.hidden_modules = ["_ctypes", "_ctypes_test", "_xxsubinterpreters", "_testcapi",
                                         "_testinternalcapi", "_testbuffer", "_testmultiphase", "_testclinic",
                                         "_testimportmultiple", "_xxtestfuzz", "_sqlite3"]
# What the kernel imports before native code loading is removed, what it lacks, and the
# stand-ins for what it does not mount (course/grading/guard.py, course/grading/standins.py).
c.GuardedExecute.preload = ["numpy", "numpy.random", "numpy.linalg", "numpy.fft", "numpy.ma",
                            "numpy.lib.stride_tricks", "numpy.testing"]
c.GuardedExecute.stand_ins = {
    "matplotlib": "noop", "mpl_toolkits": "noop", "pylab": "noop", "course.plotting": "noop", "course.widgets": "noop",
    "ipywidgets": "noop", "scipy": "absent", "torch": "absent", "torchaudio": "absent", "torchvision": "absent",
    "PIL": "absent", "keras": "absent", "tensorflow": "absent", "jax": "absent", "sklearn": "absent",
    "skimage": "absent", "cv2": "absent", "sympy": "absent", "pandas": "absent", "h5py": "absent",
    # its products (legmul, hermmul, polymul...) multiply polynomials without np.convolve: a whole job
    "numpy.polynomial": "absent",
    # %load_ext autoreload: the real extension needs ctypes; nothing is reloaded in a graded run
    "IPython.extensions.autoreload": "noop",
}
c.GuardedExecute.assignment_kernels = {
    "ex06_audio_cnn": {
        "extra_course_modules": ["course/data.py", "course/audio.py", "course/grading/probes.py"],
        "distributions": ["ipykernel", "numpy", "tqdm", "torch"],
        "hidden_modules": ["_xxsubinterpreters", "_testcapi", "_testinternalcapi", "_sqlite3"],  # torch loads with ctypes
        "preload": ["numpy", "numpy.random", "numpy.linalg", "numpy.fft", "numpy.lib.stride_tricks", "torch",
                    "torch.nn", "torch.nn.functional", "torch.optim", "torch.utils.data"],
        "absent_functions": [],
        "stand_ins": {"torch": None, "sympy": None, "numpy.polynomial": None},
    },
}
c.LimitOutput.max_lines = 1000
c.LimitOutput.max_traceback = 100

# Deleted test cells are put back from the gradebook's copy of the instructor's source.
c.OverwriteCells.add_missing_cells = True

c.Autograde.autograde_preprocessors = [
    "course.grading.preprocessors.GuardedExecute",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "course.grading.preprocessors.RecordVerdicts",
    "course.grading.preprocessors.SanitizeStudentHTML",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]

# Late policy (README, "Running a term"). Due dates and extensions live in the gradebook
# (`nbgrader db assignment add ID --duedate="2026-12-01 17:00:00 UTC"`, `course extension`); the
# submission time is nbgrader's timestamp.txt; AssignLatePenalties above asks this plugin for the
# penalty. Its default method, "percent_per_day", takes percent_per_day % of the score per
# started day late, at most max_percent %; nbgrader's own methods stay available with
# c.LateSubmissionPlugin.penalty_method = "zero" (or "none").
c.AssignLatePenalties.plugin_class = "course.gradebook.lateness.CourseLatePolicy"
c.CourseLatePolicy.percent_per_day = 10
c.CourseLatePolicy.max_percent = 50

# Student content is inert wherever it is rendered: the autograded notebooks are cleaned by
# SanitizeStudentHTML above; the formgrader and the feedback HTML clean again when they render.
c.HTMLExporter.sanitize_html = True
c.HTMLExporter.preprocessors = ["course.grading.preprocessors.SanitizeStudentHTML"]

# Feedback (`course feedback`, `nbgrader generate_feedback`): the course's template and policy
# (course/grading/feedback.py): a summary of every test with its reason at the top, notes on a
# missing or unreadable notebook, lateness, no hidden tests, maths as MathML (no network).
# Scoped to GenerateFeedback, so the formgrader keeps its own templates.
from course.grading.feedback import TEMPLATES as FEEDBACK_TEMPLATES  # noqa: E402

c.GenerateFeedback.HTMLExporter.extra_template_basedirs = [str(FEEDBACK_TEMPLATES)]
c.GenerateFeedback.HTMLExporter.template_name = "course_feedback"
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "course.grading.feedback.FeedbackPolicy",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]

# The exchange (course/exchange.py): `nbgrader collect` checks every inbound entry before copying
# it (a name that parses, a real folder owned by the uid of the student it names, no links, the
# caps below); an entry that fails is reported and skipped, never collected and never fatal.
# nbgrader's own caps, in kB; its `submit` applies them on the student's side too when the
# students' configuration (deploy/etc-jupyter) sets them.
c.ExchangeFactory.collect = "course.exchange.CourseExchangeCollect"
c.CourseDirectory.max_file_size = 20_000  # one file of a submission
c.CourseDirectory.max_dir_size = 50_000  # a whole submission
c.CourseExchangeCollect.max_files = 500  # files and folders in one submission
