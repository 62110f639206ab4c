Feature: Order emails
  As the agency's shop owner
  I want my team told of every new order, and my customers sent a confirmation and a receipt
  So that nobody misses an order and no customer ever gets the same email twice

  Background:
    Given my team reads new orders at "sales@bbws.local" and "ops@bbws.local"

  Scenario: A new order is announced to my team and confirmed to the customer
    Given "thandi@acme.example" has ordered 3 "Standard Hosting" at "349.00" ZAR each
    When the new order is announced
    Then my team receives one email titled "New order ord-1001: ZAR 1,047.00 from thandi@acme.example"
    And "thandi@acme.example" receives one email titled "We've received your order ord-1001"
    And that email lists 3 "Standard Hosting" at "ZAR 349.00" for a total of "ZAR 1,047.00"

  Scenario: A paid order gets a receipt
    Given "thandi@acme.example" has ordered 1 "Business Website" at "12500.00" ZAR each
    And the order has been paid
    When the payment is announced
    Then "thandi@acme.example" receives one email titled "Your receipt for order ord-1001"
    And my team receives no email

  Scenario: An order announced several times is emailed once
    Given "thandi@acme.example" has ordered 1 "Business Website" at "12500.00" ZAR each
    When the new order is announced 3 times
    Then "thandi@acme.example" receives one email titled "We've received your order ord-1001"
    And my team receives one email titled "New order ord-1001: ZAR 12,500.00 from thandi@acme.example"

  Scenario: A busy email service delays an email but never loses or doubles it
    Given "thandi@acme.example" has ordered 1 "Business Website" at "12500.00" ZAR each
    And the order has been paid
    And the email service is too busy to take the next email
    When the payment is announced
    Then "thandi@acme.example" has received no email yet
    When the payment is announced again
    Then "thandi@acme.example" receives one email titled "Your receipt for order ord-1001"

  Scenario: A strange product name cannot change what the customer sees
    Given "thandi@acme.example" has ordered 1 "<script>alert('hi')</script>" at "10.00" ZAR each
    When the new order is announced
    Then the customer's email shows the product name as plain text

  Scenario: An email that can never be sent is set aside for my team to look at
    Given "thandi@acme.example" has ordered 1 "Business Website" at "12500.00" ZAR each
    And someone deleted the customer confirmation template
    When the new order is announced 5 times
    Then every attempt is reported as failed, so the announcement is set aside for my team
    And "thandi@acme.example" has received no email yet
    And my team receives one email titled "New order ord-1001: ZAR 12,500.00 from thandi@acme.example"
