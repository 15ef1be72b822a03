{#- The course's panel on nbgrader's list pages (course/term/formgrader.py). nbgrader's jinja
    environment does not escape; everything here is escaped (names come from a roster). -#}
{%- macro why_list(reasons) -%}
{%- autoescape true -%}
{%- for reason in reasons %}{% if not loop.first %}; {% endif %}{{ reason }}{% endfor -%}
{%- endautoescape -%}
{%- endmacro -%}

{%- macro who(name, student_id) -%}
{%- autoescape true -%}
{%- if name %}{{ name }} ({{ student_id }}){% else %}{{ student_id }}{% endif -%}
{%- endautoescape -%}
{%- endmacro -%}

{%- macro where_list(where) -%}
{%- autoescape true -%}
{%- for part in where %}<code>{{ part }}</code>, {% endfor %}and the student's feedback
{%- endautoescape -%}
{%- endmacro -%}

{%- macro panel(data, where, by="student", blind=false) -%}
{%- autoescape true %}
<div class="panel panel-warning" id="course-figures" role="region" aria-labelledby="course-figures-title">
  <div class="panel-heading">
    <h2 class="panel-title" id="course-figures-title">Course figures — the figure that counts</h2>
  </div>
  <div class="panel-body">
{%- if data.error %}
    <p class="text-danger" id="course-figures-error">The course's figures could not be read here ({{ data.error }}).
    The table below is nbgrader's, before the course's rules; the figure that counts is in {{ where_list(where) }}.</p>
{%- else %}
    <p id="course-figures-statement">The course's figure is the one that counts: {{ where_list(where) }}.
    nbgrader's scores on this page add up the tests before the course's rules: the late policy
    {%- if data.policy %} ({{ data.policy }}){% endif %}, missing work, and holds a person settles.</p>
  {%- for warning in data.warnings %}
    <p class="text-warning">{{ warning }}</p>
  {%- endfor %}
  {%- set rows = data.totals if by == "total" else data.figures %}
  {%- if not rows %}
    <p id="course-figures-none">Every score on this page is the course's figure.</p>
  {%- else %}
    {%- if blind %}
    <details id="course-figures-details">
      <summary style="display: list-item; cursor: pointer">{{ rows|length }} submission{{ "s" if rows|length != 1 }}
      on this page {{ "have" if rows|length != 1 else "has" }} a course note (names stay hidden while you grade
      blind: click to show them)</summary>
    {%- endif %}
    <table class="table table-condensed" id="course-figures-table">
      <thead><tr>
        <th>{{ "Assignment" if by == "assignment" else "Student" }}</th>
        <th class="text-center">{{ "nbgrader's Overall Score" if by == "total" else "nbgrader's score" }}</th>
        <th class="text-center">{{ "Course's total" if by == "total" else "Course's figure" }}</th>
        <th>Why</th>
      </tr></thead>
      <tbody>
    {%- for row in rows %}
        <tr class="course-figure" data-student="{{ row.student_id }}">
          <td>{% if by == "assignment" %}{{ row.assignment_id }}{% else %}{{ who(row.name, row.student_id) }}{% endif %}</td>
          <td class="text-center course-shown">{{ row.shown }} / {{ row.max_score }}</td>
          <td class="text-center course-counts"><strong>{{ row.counts }} / {{ row.max_score }}</strong></td>
          <td class="course-why">
      {%- if by == "total" %}
        {%- for fig in row.figures %}{% if not loop.first %}<br>{% endif %}{{ fig.assignment_id }}: {{ fig.counts }} / {{ fig.max_score }}, {{ why_list(fig.why) }}{% endfor %}
      {%- else %}{{ why_list(row.why) }}{% endif -%}
          </td>
        </tr>
    {%- endfor %}
      </tbody>
    </table>
    {%- if blind %}
    </details>
    {%- endif %}
  {%- endif %}
{%- endif %}
  </div>
</div>
{%- endautoescape %}
{%- endmacro -%}
