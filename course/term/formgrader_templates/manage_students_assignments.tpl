{#- nbgrader's page of one student, with the course's figures -#}
{%- extends "nbgrader/manage_students_assignments.tpl" -%}
{%- block messages -%}
{{ super() }}
{%- from "course_figures_panel.tpl" import panel %}
{{ panel(course_figures(student_id=student_id), ["grades_<ID>.csv", "course student " ~ student_id], by="assignment") }}
{%- endblock -%}
