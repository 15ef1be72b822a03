{#- nbgrader's Manage Submissions, with the course's figures (course/term/formgrader.py) -#}
{%- extends "nbgrader/manage_submissions.tpl" -%}
{%- block messages -%}
{{ super() }}
{%- from "course_figures_panel.tpl" import panel %}
{{ panel(course_figures(assignment_id=assignment_id), ["grades_" ~ assignment_id ~ ".csv", "course student STUDENT"]) }}
{%- endblock -%}
