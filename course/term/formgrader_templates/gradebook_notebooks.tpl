{#- nbgrader's Manual Grading of one assignment, with the course's figures -#}
{%- extends "nbgrader/gradebook_notebooks.tpl" -%}
{%- block messages -%}
{{ super() }}
{%- from "course_figures_panel.tpl" import panel %}
{{ panel(course_figures(assignment_id=assignment_id), ["grades_" ~ assignment_id ~ ".csv", "course student STUDENT"], blind=true) }}
{%- endblock -%}
