Feature: Taking orders from the web shop
  As the owner of the agency's web shop
  I want every order my customers place to be priced by me, recorded once and followed up
  So that nobody pays a price they were not shown and no order is lost or doubled

  Background:
    Given my shop sells "Basic Website" for "1500.00" ZAR and "Monthly Hosting" for "99.99" ZAR
    And the promotion "SPRING10" gives 10 percent off everything

  Scenario: A new customer orders with a promotion code
    When "Jane@NewCo.example" orders 1 "Basic Website" and 2 "Monthly Hosting" with the code "SPRING10"
    Then the shop tells her the order is being processed
    When the order has been processed
    Then I see her order as CREATED with a total of "1529.98" ZAR after a discount of "170.00"
    And a customer account was opened for "jane@newco.example"
    And my team and the customer are told about the new order

  Scenario: A returning customer's orders land in their existing account
    Given "owner@acme.example" already has a customer account
    When "OWNER@ACME.example" orders 1 "Monthly Hosting"
    And the order has been processed
    Then the order belongs to the account of "owner@acme.example"
    And there is still only one account for "owner@acme.example"

  Scenario: The shop page showed an old price
    When "jane@newco.example" orders 1 "Monthly Hosting" at the price "89.99" she was shown
    Then the order is refused and she is shown the real price "99.99"
    And no order is recorded

  Scenario: The customer's browser sends the same order twice
    When "jane@newco.example" orders 1 "Basic Website" and her browser sends it again
    Then both answers name the same order, the second marked as a replay
    And after processing there is exactly one order

  Scenario: The same order reaches the back office twice
    When "jane@newco.example" orders 1 "Basic Website"
    And the order is delivered to the back office twice
    Then there is exactly one order

  Scenario: I take payment, then deliver
    Given "jane@newco.example" has placed an order that has been processed
    When I mark the order as PAID
    Then the customer is sent a receipt
    When I mark the order as FULFILLED
    Then the order is FULFILLED
    And marking it CANCELLED is refused because it is FULFILLED

  Scenario: Customers only ever see their own orders
    Given "jane@newco.example" has placed an order that has been processed
    And "bob@other.example" has placed an order that has been processed
    Then Jane's account sees only her order
    And Jane's account cannot open Bob's order
