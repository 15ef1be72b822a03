{#- nbgrader's page of one student's assignment, with the course's figure -#}
{%- extends "nbgrader/manage_students_notebook_submissions.tpl" -%}
{%- block messages -%}
{{ super() }}
{%- from "course_figures_panel.tpl" import panel %}
{{ panel(course_figures(assignment_id=assignment_id, student_id=student_id), ["grades_" ~ assignment_id ~ ".csv", "course student " ~ student_id], by="assignment") }}
{%- endblock -%}
