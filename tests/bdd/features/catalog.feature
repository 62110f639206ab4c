Feature: Managing the catalog
  As the agency's shop owner
  I want to put plans on sale, change their prices and retire them
  So that customers only ever see what I sell today, at today's price

  Background:
    Given I am signed in as the shop owner

  Scenario: A new plan appears in the shop
    When I add the plan "website-basic" called "Website Basic" at "1499.00" ZAR
    Then customers see "website-basic" in the shop at "1499.00" ZAR

  Scenario: Changing a price
    Given the plan "website-basic" is on sale at "1499.00" ZAR
    When I change the price of "website-basic" to "1299.00"
    Then customers see "website-basic" in the shop at "1299.00" ZAR

  Scenario: A plan cannot be added twice
    Given the plan "website-basic" is on sale at "1499.00" ZAR
    When I add the plan "website-basic" called "Website Again" at "10.00" ZAR
    Then I am told the plan already exists
    And customers see "website-basic" in the shop at "1499.00" ZAR

  Scenario: Retiring a plan hides it from customers but not from me
    Given the plan "hosting-old" is on sale at "99.00" ZAR
    When I retire "hosting-old"
    Then customers no longer see "hosting-old" in the shop
    And customers cannot open "hosting-old"
    But I still see "hosting-old" among all plans, marked retired

  Scenario: Bringing a retired plan back
    Given the plan "hosting-old" is on sale at "99.00" ZAR
    And I retired "hosting-old"
    When I put "hosting-old" back on sale
    Then customers see "hosting-old" in the shop at "99.00" ZAR

  Scenario: Two people editing the same plan
    Given the plan "website-basic" is on sale at "1499.00" ZAR
    And I opened "website-basic" to edit it
    And a colleague changed the price of "website-basic" to "1399.00" meanwhile
    When I save the price "1299.00" for "website-basic" as I opened it
    Then my change is refused because the plan changed meanwhile
    And customers see "website-basic" in the shop at "1399.00" ZAR

  Scenario: Customers cannot change the catalog
    When a visitor without an account tries to add a plan
    Then the visitor is told to sign in
