-- Rows → documents for an IAM assistant (seed 003): one document per user with their roles and applications.
-- godwit migrate "postgres://postgres@127.0.0.1:5432/iamdb?query=$(jq -sRr @uri < examples/migrate/iam-documents.sql)" \
--   godwit://iam-directory --template @examples/migrate/iam-template.txt --id-column username --source-prefix users/
SELECT u.username, u.full_name, u.department,
       string_agg(DISTINCT r.role_name, ', ') AS roles,
       string_agg(DISTINCT a.app_name, ', ') AS applications
  FROM users u
  LEFT JOIN user_roles ur ON ur.user_id = u.id
  LEFT JOIN roles r ON r.id = ur.role_id
  LEFT JOIN applications a ON a.id = r.application_id
 GROUP BY u.username, u.full_name, u.department
