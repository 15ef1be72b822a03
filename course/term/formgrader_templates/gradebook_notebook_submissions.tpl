{#- nbgrader's Manual Grading of one notebook, with the course's figures (the names collapsed:
    nbgrader hides them while grading blind) -#}
{%- extends "nbgrader/gradebook_notebook_submissions.tpl" -%}
{%- block messages -%}
{{ super() }}
{%- from "course_figures_panel.tpl" import panel %}
{{ panel(course_figures(assignment_id=assignment_id), ["grades_" ~ assignment_id ~ ".csv", "course student STUDENT"], blind=true) }}
{%- endblock -%}
