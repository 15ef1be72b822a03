{#- nbgrader's Manage Students, with the course's totals -#}
{%- extends "nbgrader/manage_students.tpl" -%}
{%- block messages -%}
{{ super() }}
{%- from "course_figures_panel.tpl" import panel %}
{{ panel(course_figures(), ["grades_<ID>.csv", "course grades", "course student STUDENT"], by="total") }}
{%- endblock -%}
